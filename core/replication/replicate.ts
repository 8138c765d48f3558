import type {Table} from '@google-cloud/bigtable';
import pLimit from 'p-limit';
import type {Logger} from '../log';
import type {StateTableSchema, TxnTableSchema} from '../resources';
import type {SqlPool} from '../sql/connect';
import {
  claimUnsent,
  markSentAndCommit,
  markSentCommitAndClaim,
} from '../sql/transactions';
import type {PackedTransactions} from '../packed-transactions';
import {recordReplicatedSpan} from '../bigtable/replicated-spans';
import {
  readStoredWatermark,
  replaceWatermark,
} from '../bigtable/pipeline-state';
import {
  BigtableWriteError,
  encodeTransactions,
  writeEncoded,
} from './bigtable-writer';
import {
  type WatermarkRule,
  readWatermarkInputs,
  watermarkOf,
} from './watermark-rule';

/**
 * Moves unsent transactions from Cloud SQL to Bigtable. Each claim is one SQL transaction on a
 * claim session (two round trips to the database):
 *   SELECT ... FOR UPDATE SKIP LOCKED  (concurrent replicators never take the same rows; it opens the transaction)
 *   write the rows to txn_tbl          (deterministic keys, cells stamped with the transaction time)
 *   flag the rows Bigtable accepted; COMMIT
 * A crash anywhere before COMMIT rolls the claim back (the server drops the dead session's locks);
 * the next run writes the same cells again, which leaves Bigtable exactly as one write would.
 */
export interface ReplicationDeps {
  sql: SqlPool;
  txnTable: Table;
  txnSchema: TxnTableSchema;
  stateTable: Table;
  stateSchema: StateTableSchema;
  log: Logger;
}

export interface ReplicationOptions {
  /** Rows per claim (one SQL transaction, one MutateRows call). */
  batchSize: number;
  /** Claims in flight at once, each on its own connection. */
  workers: number;
  /**
   * MutateRows calls in flight at once, across workers (the emulator and small clusters answer
   * DEADLINE_EXCEEDED to unbounded concurrency). With more workers than this, one worker's SQL
   * (claim, flags, commit) overlaps another's write. Defaults to `workers`.
   */
  writesInFlight?: number;
  /** Stop claiming after this long, safely below the function timeout. */
  budgetMs: number;
  writeTimeoutMs: number;
  watermark: WatermarkRule;
  now?: () => Date;
  /** Test seam: runs after the Bigtable write, before the flags and the commit. */
  afterBigtableWrite?: (ids: readonly string[]) => Promise<void> | void;
}

export interface ReplicationReport {
  replicated: number;
  claims: number;
  /** True when a claim found nothing left; false when the budget ran out first. */
  drained: boolean;
  watermark: Date;
  /** The span of occurred_at this run wrote (none when it wrote nothing). */
  span?: {first: Date; last: Date};
  elapsedMs: number;
}

const MAX_LOCK_CONFLICTS = 5;
const ER_LOCK_WAIT_TIMEOUT = 1205;
const ER_LOCK_DEADLOCK = 1213;

function isLockConflict(error: unknown): boolean {
  const errno = (error as {errno?: number}).errno;
  return errno === ER_LOCK_DEADLOCK || errno === ER_LOCK_WAIT_TIMEOUT;
}

const WATERMARK_ATTEMPTS = 10;

/**
 * Computes and stores the watermark. The stored version is read BEFORE the SQL snapshot: if a
 * generation lowers the watermark after that (its lease already committed, so possibly after our
 * snapshot), the compare-and-set fails and we compute again from a snapshot that sees the lease.
 */
async function recordNewWatermark(
  deps: ReplicationDeps,
  options: ReplicationOptions,
): Promise<Date> {
  for (let attempt = 1; attempt <= WATERMARK_ATTEMPTS; attempt++) {
    const stored = await readStoredWatermark(deps.stateTable, deps.stateSchema);
    const inputs = await readWatermarkInputs(
      deps.sql,
      options.watermark,
      options.now?.() ?? new Date(),
    );
    const watermark = watermarkOf(inputs);
    if (
      !(await replaceWatermark(
        deps.stateTable,
        deps.stateSchema,
        stored,
        watermark,
      ))
    )
      continue;
    if (inputs.passedSlots.length > 0) {
      deps.log.warn(
        {
          passedSlots: inputs.passedSlots.map(slot => slot.toISOString()),
          missedSlotMinutes: options.watermark.missedSlotMs / 60_000,
        },
        `scheduled slot(s) ${inputs.passedSlots.map(slot => slot.toISOString()).join(', ')} never got a batch: the watermark passed them; ` +
          'if the scheduler missed them, backfill each with {"hour": SLOT} and the daily job restates its day',
      );
    }
    return watermark;
  }
  throw new Error(
    `the watermark changed under ${WATERMARK_ATTEMPTS} attempts in a row to record it: the next signal records it`,
  );
}

export async function replicateUnsent(
  deps: ReplicationDeps,
  options: ReplicationOptions,
): Promise<ReplicationReport> {
  const started = Date.now();
  const deadline = started + options.budgetMs;
  let replicated = 0;
  let claims = 0;
  let drained = false;
  let failed = false;
  let lockConflicts = 0;
  // At most writesInFlight MutateRows calls at once; the other workers wait their turn, in order.
  const writes = pLimit(options.writesInFlight ?? options.workers);
  // Where the next claim starts: the newest occurred_at claimed so far, shared by the workers. It
  // only spares claims the flagged rows' stale index entries (see claimUnsent); what it skips (a
  // rolled-back claim, a late insert) the unnarrowed claim that must come before `drained` finds.
  let resumeFrom: number | undefined;
  let span: {first: number; last: number} | undefined;

  const claimFrom = (from: number | undefined) =>
    from === undefined ? undefined : new Date(from);

  // Each worker keeps one claim session. A claim's transaction opens with its SELECT and ends with
  // the flags' COMMIT (or a ROLLBACK), and the round trip of the flags and the COMMIT also takes
  // the next claim: one round trip a claim. The session is READ COMMITTED (see
  // SqlPool.acquireClaimSession).
  const worker = async () => {
    if (drained || failed || Date.now() >= deadline) return;
    let connection = await deps.sql.acquireClaimSession();
    let broken = false;
    // The claim in hand and the resume point it was taken from, once the flags' round trip took it.
    let next:
      {claimed: PackedTransactions; from: number | undefined} | undefined;
    const mayClaim = () => !drained && !failed && Date.now() < deadline;
    try {
      // A claim in hand is replicated even when the others have drained or the budget ran out.
      while (next ? !failed : mayClaim()) {
        try {
          const from = next ? next.from : resumeFrom;
          let claimed =
            next?.claimed ??
            (await claimUnsent(connection, options.batchSize, claimFrom(from)));
          next = undefined;
          if (claimed.count === 0 && from !== undefined) {
            if (resumeFrom === from) resumeFrom = undefined;
            claimed = await claimUnsent(connection, options.batchSize);
          }
          if (claimed.count === 0) {
            await connection.commit();
            drained = true;
            return;
          }
          const encoded = encodeTransactions(claimed, deps.txnSchema);
          const times = encoded.occurredAtMs;
          let newest = times[0]!;
          for (const time of times) if (time > newest) newest = time;
          if (resumeFrom === undefined || newest > resumeFrom)
            resumeFrom = newest;
          const result = await writes(() =>
            writeEncoded(deps.txnTable, encoded, options.writeTimeoutMs),
          );
          await options.afterBigtableWrite?.(result.accepted);
          if (result.error === undefined && mayClaim()) {
            // If this fails after the COMMIT (the claim's SELECT), those rows are flagged but not
            // counted below: the run fails, and nothing is lost or sent twice.
            const nextFrom = resumeFrom;
            next = {
              claimed: await markSentCommitAndClaim(
                connection,
                result.accepted,
                options.batchSize,
                claimFrom(nextFrom),
              ),
              from: nextFrom,
            };
          } else await markSentAndCommit(connection, result.accepted);
          const accepted =
            result.failed.length === 0 ? undefined : new Set(result.accepted);
          for (let i = 0; i < times.length; i++) {
            if (accepted && !accepted.has(encoded.ids[i]!)) continue;
            const time = times[i]!;
            if (!span) span = {first: time, last: time};
            else if (time < span.first) span.first = time;
            else if (time > span.last) span.last = time;
          }
          replicated += result.accepted.length;
          claims++;
          if (result.error) {
            // The client's message lists every failed row: keep the first line only.
            const reason =
              result.error.message
                .split('\n')
                .find(
                  line =>
                    /\S/.test(line) && !line.startsWith('Multiple errors'),
                ) ?? '';
            throw new BigtableWriteError(
              `${result.failed.length} of ${claimed.count} rows not accepted by Bigtable: ${reason.trim().slice(0, 300)}`,
              {
                cause: result.error,
              },
            );
          }
        } catch (error) {
          next = undefined;
          await connection.rollback().catch(() => {
            broken = true;
          });
          // A deadlock or lock timeout victim just claims again (what it wrote is safe to write
          // again), on a new session if the rollback broke this one.
          if (isLockConflict(error) && ++lockConflicts <= MAX_LOCK_CONFLICTS) {
            deps.log.warn(
              {err: error},
              'claim lost a lock conflict: claiming again',
            );
            if (broken) {
              connection.destroy();
              connection = await deps.sql.acquireClaimSession();
              broken = false;
            }
            continue;
          }
          failed = true;
          throw error;
        }
      }
      // Another worker failed while this one held a claim: give its rows back.
      if (next)
        await connection.rollback().catch(() => {
          broken = true;
        });
    } finally {
      if (broken) connection.destroy();
      else connection.release();
    }
  };

  const outcomes = await Promise.allSettled(
    Array.from({length: options.workers}, worker),
  );
  // One more pass by a single worker once the others have stopped. A worker calls the range drained
  // when its claim comes back empty, but SKIP LOCKED also passes over rows another claim holds at
  // that moment, and a claim that then rolls back (a lock conflict here, a crashed replicator whose
  // connection the server has not reaped yet) releases them unsent. The sweep takes them now
  // instead of leaving them to the next signal.
  if (
    drained &&
    !failed &&
    !outcomes.some(o => o.status === 'rejected') &&
    Date.now() < deadline
  ) {
    drained = false;
    outcomes.push(...(await Promise.allSettled([worker()])));
  }
  const errors = outcomes.flatMap(o =>
    o.status === 'rejected' ? [o.reason as Error] : [],
  );
  if (errors.length > 0) {
    deps.log.error(
      {err: errors[0], failures: errors.length, replicated},
      'replication failed',
    );
    throw errors[0];
  }
  const now = options.now?.() ?? new Date();
  const watermark = await recordNewWatermark(deps, options);
  // For the publisher: a span older than its cursor (a backfilled hour) is published too.
  const spanDates = span && {
    first: new Date(span.first),
    last: new Date(span.last),
  };
  if (spanDates)
    await recordReplicatedSpan(
      deps.stateTable,
      deps.stateSchema,
      spanDates.first,
      spanDates.last,
    );
  const report = {
    replicated,
    claims,
    drained,
    watermark,
    ...(spanDates ? {span: spanDates} : {}),
    elapsedMs: Date.now() - started,
  };
  // watermarkLagSeconds feeds the log-based metric of the lag alert (scripts/alerts/).
  const watermarkLagSeconds = Math.round(
    (now.getTime() - watermark.getTime()) / 1000,
  );
  deps.log[drained ? 'info' : 'warn'](
    {
      replicated,
      claims,
      watermark: watermark.toISOString(),
      watermarkLagSeconds,
      elapsedMs: report.elapsedMs,
    },
    drained
      ? 'replication complete'
      : 'replication budget spent with rows left: the next signal continues',
  );
  return report;
}
