import {status} from '@grpc/grpc-js';
import type {Table} from '@google-cloud/bigtable';
import {
  Backoff,
  RETRYABLE_STATUSES,
  dataChannelOf,
  routingHeader,
  tableNameOf,
} from './data-channel';
import type {RawEntry} from './raw-entry';
import {releaseBytes} from '../release-bytes';
import {
  type EncodedEntries,
  decodeMutateRowsResponse,
  encodeEntries,
  encodeMutateRowsRequest,
  entryRowKey,
} from './mutate-rows-wire';

/** The client's: 3 retries (data-channel.ts's back-off), 600 s in all. */
const MAX_ATTEMPTS = 4;
const DEFAULT_TIMEOUT_MS = 600_000;

const MUTATE_ROWS = '/google.bigtable.v2.Bigtable/MutateRows';

/** An entry Bigtable refused (its own status), by its index in the entries written. */
export interface EntryFailure {
  index: number;
  rowKey: Buffer;
  code: number;
  message: string;
}

/**
 * Some entries were not written: `errors` lists each refused one with Bigtable's status for it.
 * With `rpcError` set the call itself failed too, so entries not listed may be unwritten as well.
 */
export class PartialWriteError extends Error {
  override name = 'PartialWriteError';
  constructor(
    readonly errors: EntryFailure[],
    readonly rpcError?: Error,
  ) {
    super(
      `${errors.length} of the entries were refused: ${errors
        .slice(0, 3)
        .map(e => `${e.rowKey.toString('utf8')}: ${e.message}`)
        .join(
          '; ',
        )}${rpcError ? `; the call failed too: ${rpcError.message}` : ''}`,
    );
  }
}

/**
 * One MutateRows of these entries (applied each atomically, in order), encoded in protobuf's wire
 * format (mutate-rows-wire.ts) and sent on the client's own channel (data-channel.ts), with the
 * client's rules: entries refused with a retryable status, or left without a status by a call
 * that failed with one, are sent again (at most 4 attempts in all, backing off), within
 * `timeoutMs` in all (the client's 600 s by default). Resolves once every entry was written;
 * rejects with PartialWriteError naming the refused entries, or with the call's error when no
 * entry has a status of its own. Against the client's `table.mutate` of the same entries the
 * encoding costs a fraction of the CPU (bench/README.md).
 */
const isEncoded = (
  entries: readonly RawEntry[] | EncodedEntries,
): entries is EncodedEntries => !Array.isArray(entries);

export async function mutateEntries(
  table: Table,
  rawOrEncoded: readonly RawEntry[] | EncodedEntries,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  const entries = isEncoded(rawOrEncoded)
    ? rawOrEncoded
    : encodeEntries(rawOrEncoded);
  const count = entries.ends.length;
  if (count === 0) return;
  const channel = await dataChannelOf(table.bigtable);
  const tableName = tableNameOf(table.name, channel);
  const deadline = Date.now() + timeoutMs;
  const failures = new Map<number, EntryFailure>();
  let pending: number[] | undefined; // every entry, on the first attempt
  const backoff = new Backoff();
  for (let attempt = 1; ; attempt++) {
    const sent = pending ?? Array.from({length: count}, (_, i) => i);
    const statusOf = new Map<number, number>();
    const request = encodeMutateRowsRequest(
      tableName,
      entries,
      pending,
      channel.appProfileId,
    );
    const rpcError = await new Promise<Error | undefined>(resolve => {
      const call = channel.stub.makeServerStreamRequest(
        MUTATE_ROWS,
        bytes => bytes,
        bytes => bytes,
        request,
        routingHeader(tableName, channel),
        {deadline},
      );
      call.on('data', (response: Buffer) => {
        for (const {index, code, message} of decodeMutateRowsResponse(
          response,
        )) {
          const original = sent[index];
          if (original === undefined) continue;
          if (code === status.OK) failures.delete(original);
          else
            failures.set(original, {
              index: original,
              rowKey: entryRowKey(entries, original),
              code,
              message,
            });
          statusOf.set(original, code);
        }
      });
      call.once('error', error => resolve(error));
      call.once('end', () => resolve(undefined));
    });
    releaseBytes(request);
    // Left to send: entries without a status, and those refused with a retryable one.
    pending = sent.filter(i => {
      const code = statusOf.get(i);
      return (
        code === undefined ||
        (code !== status.OK && RETRYABLE_STATUSES.has(code))
      );
    });
    const wait = backoff.next();
    const rpcCode = (rpcError as {code?: number} | undefined)?.code;
    const retry =
      pending.length > 0 &&
      attempt < MAX_ATTEMPTS &&
      (rpcError === undefined ||
        (rpcCode !== undefined && RETRYABLE_STATUSES.has(rpcCode))) &&
      Date.now() + wait < deadline;
    if (!retry) {
      if (pending.length === 0 && failures.size === 0) return;
      if (failures.size > 0)
        throw new PartialWriteError([...failures.values()], rpcError);
      throw rpcError ?? new Error('MutateRows left entries without a status');
    }
    await new Promise(resolve => setTimeout(resolve, wait));
  }
}
