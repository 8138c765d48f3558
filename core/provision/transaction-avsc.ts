export {readChangelogEntryAvsc, readTransactionAvsc} from '../avro/schemas';
