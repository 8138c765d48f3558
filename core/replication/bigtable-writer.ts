import type { Table } from '@google-cloud/bigtable';
import type { TxnTableSchema } from '../resources';
import type { Transaction } from '../transaction';
import { type TxnRowEntry, toRowEntry } from '../txn-row';

/**
 * Writes transactions to `txn_tbl` and says exactly which were accepted. MutateRows can fail in
 * part; only rows Bigtable confirmed may be marked as sent. When the client cannot tell (an RPC
 * failure), nothing counts as accepted: re-sending a row rewrites identical cells, so erring on
 * that side costs a duplicate write, never a lost row.
 */
export interface WriteResult {
  accepted: string[];
  failed: string[];
  error?: Error;
}

export class BigtableWriteError extends Error {
  readonly code = 'BIGTABLE_WRITE_FAILED';
  readonly retryable = true;
}

type SetCell = { setCell: { familyName: string; columnQualifier: Buffer; timestampMicros: number; value: Buffer } };

/**
 * A MutateRows entry in the wire shape of the API, as an instance of a class on purpose: before
 * every request the client deep-copies its request options (`extend(true, {}, reqOpts)`), which
 * walks into plain objects and arrays but keeps anything else by reference. Plain entries made that
 * copy (every entry, mutation and cell object of the batch, then collected as garbage) about a
 * third of the CPU a write cost; instances pass through as they are. The serializer reads the same
 * fields either way.
 */
export class RawEntry {
  constructor(
    readonly rowKey: Buffer,
    readonly mutations: SetCell[],
  ) {}
}

/**
 * The row entry as the API's SetCell mutations, exactly what the client's own `insert` produces
 * from it (qualifier and value as UTF-8 bytes, the cell timestamp in microseconds), built here
 * directly: the client's generic conversion (Mutation.parse) rebuilds every entry.
 */
export function toRawEntry(entry: TxnRowEntry): RawEntry {
  const mutations: SetCell[] = [];
  for (const familyName in entry.data) {
    const columns = entry.data[familyName]!;
    for (const qualifier in columns) {
      const cell = columns[qualifier]!;
      mutations.push({
        setCell: { familyName, columnQualifier: qualifierBytes(qualifier), timestampMicros: cell.timestamp.getTime() * 1000, value: Buffer.from(cell.value) },
      });
    }
  }
  return new RawEntry(Buffer.from(entry.key), mutations);
}

/** The handful of column names, encoded once: they are only read when the request is serialized. */
const QUALIFIERS = new Map<string, Buffer>();
function qualifierBytes(name: string): Buffer {
  let bytes = QUALIFIERS.get(name);
  if (!bytes) {
    bytes = Buffer.from(name);
    QUALIFIERS.set(name, bytes);
  }
  return bytes;
}

/**
 * The client's PartialFailureError, recognized by shape: the package's index re-exports the class
 * through a circular import and hands out `undefined` for it, so `instanceof` cannot be used.
 */
function isPartialFailure(error: unknown): error is Error & { errors: Array<{ entry?: { rowKey?: unknown } }> } {
  return error instanceof Error && error.name === 'PartialFailureError' && Array.isArray((error as { errors?: unknown }).errors);
}

export async function writeTransactions(table: Table, schema: TxnTableSchema, txns: readonly Transaction[], timeoutMs: number): Promise<WriteResult> {
  if (txns.length === 0) return { accepted: [], failed: [] };
  const idByKey = new Map<string, string>();
  const entries = txns.map((txn) => {
    const entry = toRowEntry(txn, schema);
    idByKey.set(entry.key, txn.id);
    return toRawEntry(entry);
  });
  try {
    // Handed over as one nested list: the client flattens its argument with
    // `reduce((all, e) => all.concat(e), [])`, which copies the growing list once per entry given
    // flat (quadratic: a 1,000-row batch copied ~500,000 slots) and once in all given nested. The
    // same entries reach the request either way.
    await table.mutate([entries] as unknown as RawEntry[], { rawMutation: true, gaxOptions: { timeout: timeoutMs } });
    return { accepted: txns.map((t) => t.id), failed: [] };
  } catch (error) {
    const all = txns.map((t) => t.id);
    // A PartialFailureError lists the entries that failed, unless the RPC itself also failed
    // (its message then ends with the RPC error), in which case rows may be unaccounted for.
    if (isPartialFailure(error) && !error.message.includes('Request failed with')) {
      const failedSet = new Set<string>();
      for (const detail of error.errors) {
        const key = detail.entry?.rowKey;
        const id = idByKey.get(Buffer.isBuffer(key) ? key.toString('utf8') : String(key));
        // An error we cannot map to a row makes the whole batch unaccounted for.
        if (id === undefined) return { accepted: [], failed: all, error };
        failedSet.add(id);
      }
      return { accepted: all.filter((id) => !failedSet.has(id)), failed: [...failedSet], error };
    }
    return { accepted: [], failed: all, error: error as Error };
  }
}
