/**
 * What bench/daily-summary.ts times, gathered into one entry that it bundles with esbuild (as
 * dist/job is bundled) so that both sides run the code the way the deployed job runs it.
 */
export {forEachRow} from '../core/bigtable/row-stream';
export {dayRanges} from '../core/bigtable/row-key';
export {createLogger} from '../core/log';
export {LocalDirectoryStore} from '../core/storage/local-directory-store';
export {runDailySummary} from '../core/summary/daily-summary';
