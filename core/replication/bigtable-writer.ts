import type {Table} from '@google-cloud/bigtable';
import type {TxnTableSchema} from '../resources';
import type {PackedTransactions} from '../packed-transactions';
import {PartialWriteError, mutateEntries} from '../bigtable/mutate-entries';
import {type TxnEntries, packedTxnEntries} from '../bigtable/txn-row';

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

/** Transactions as their MutateRows entries (entry i is `ids[i]`'s row), ready to write. */
export type EncodedTransactions = TxnEntries;

/**
 * Encoded apart from the write, so a replicator encodes a claim before it takes a write slot and
 * a slot is busy only while its request is.
 */
export function encodeTransactions(
  txns: PackedTransactions,
  schema: TxnTableSchema,
): EncodedTransactions {
  return packedTxnEntries(txns, schema);
}

export async function writeEncoded(
  table: Table,
  {ids, entries}: Pick<EncodedTransactions, 'ids' | 'entries'>,
  timeoutMs: number,
): Promise<WriteResult> {
  if (ids.length === 0) return {accepted: [], failed: []};
  try {
    await mutateEntries(table, entries, timeoutMs);
    return {accepted: ids, failed: []};
  } catch (error) {
    return writeResultOf(ids, error);
  }
}

/**
 * What a failed write accepted. A PartialWriteError names the entries Bigtable refused: the others
 * were written, unless the call itself failed too, in which case any entry may be unwritten. Any
 * other error, or a refusal of an entry that was not sent, leaves every row unaccounted for.
 */
export function writeResultOf(
  ids: readonly string[],
  error: unknown,
): WriteResult {
  if (error instanceof PartialWriteError && error.rpcError === undefined) {
    const failedSet = new Set<string>();
    for (const {index} of error.errors) {
      const id = ids[index];
      if (id === undefined) return {accepted: [], failed: [...ids], error};
      failedSet.add(id);
    }
    return {
      accepted: ids.filter(id => !failedSet.has(id)),
      failed: [...failedSet],
      error,
    };
  }
  return {accepted: [], failed: [...ids], error: error as Error};
}
