import type { Table } from '@google-cloud/bigtable';
import type { TxnTableSchema } from '../resources';
import type { Transaction } from '../transaction';
import { isPartialFailure, mutateEntries } from '../bigtable/mutate-entries';
import { toTxnRawEntries } from '../bigtable/txn-row';

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

export async function writeTransactions(table: Table, schema: TxnTableSchema, txns: readonly Transaction[], timeoutMs: number): Promise<WriteResult> {
  if (txns.length === 0) return { accepted: [], failed: [] };
  const entries = toTxnRawEntries(txns, schema);
  try {
    await mutateEntries(table, entries, timeoutMs);
    return { accepted: txns.map((t) => t.id), failed: [] };
  } catch (error) {
    const all = txns.map((t) => t.id);
    // A PartialFailureError lists the entries that failed, unless the RPC itself also failed
    // (its message then ends with the RPC error), in which case rows may be unaccounted for.
    if (isPartialFailure(error) && !error.message.includes('Request failed with')) {
      const idByKey = new Map(entries.map((entry, i) => [entry.rowKey.toString('utf8'), txns[i]!.id]));
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
