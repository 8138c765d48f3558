import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The AVRO schema of a transaction message, as .avsc JSON text (core/avro/transaction.avsc). */
export function readTransactionAvsc(path = join(__dirname, '..', 'avro', 'transaction.avsc')): string {
  return readFileSync(path, 'utf8');
}
