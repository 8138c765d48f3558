import {readFileSync} from 'node:fs';
import {join} from 'node:path';

/** The .avsc files beside this module (bundles copy them to `avro/` beside the bundle). */
const AVRO_DIR = __dirname.endsWith('avro')
  ? __dirname
  : join(__dirname, 'avro');

/** The AVRO schema of a transaction message, as .avsc JSON text (core/avro/transaction.avsc). */
export function readTransactionAvsc(
  path = join(AVRO_DIR, 'transaction.avsc'),
): string {
  return readFileSync(path, 'utf8');
}

/**
 * The AVRO schema of the change records on `txn-changes` (core/avro/changelog-entry.avsc): Google's
 * change-stream template's ChangelogEntryMessage, which the topic enforces and the archive keeps.
 */
export function readChangelogEntryAvsc(
  path = join(AVRO_DIR, 'changelog-entry.avsc'),
): string {
  return readFileSync(path, 'utf8');
}
