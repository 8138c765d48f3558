import {createBigtableClient} from '../../../core/bigtable/client';
import {endOfDay} from '../../../core/day';
import {openSqlPool} from '../../../core/sql/connect';
import {readSqlConnection} from '../../../core/sql/connection-config';
import {readConfig} from '../../../core/config';
import {readWatermark} from '../../../core/bigtable/pipeline-state';
import type {Phase} from '../phase';
import {scheduledRun} from './generate';

const TIMEOUT_MS = 10 * 60_000;
/** How long the watermark may stay short of the days once every row is sent, before a nudge. */
const NUDGE_AFTER_MS = 5_000;

/**
 * Replication runs by itself, from the signals pushed to pubsubReplicate; this phase only waits
 * until every row of the days is flagged sent and the recorded watermark has passed the last day.
 * A watermark can be left short when two replications record theirs out of order; as the next
 * hourly run would, a scheduled run is repeated (it writes nothing, and re-publishes its signal).
 */
export const replicatePhase: Phase = {
  name: 'replicate',
  unit: 'transactions',
  async run(context, progress) {
    const sql = await openSqlPool(
      readConfig(context.env, read =>
        readSqlConnection(read, {database: context.resources.sql.database}),
      ),
    );
    const bigtable = createBigtableClient({
      projectId: context.resources.project,
    });
    const state = bigtable
      .instance(context.resources.bigtable.instance)
      .table(context.resources.bigtable.state.id);
    const last = context.days[context.days.length - 1]!;
    const began = Date.now();
    let allSentSince: number | undefined;
    let nudges = 0;
    // Under --chaos MariaDB may be restarting: a count that fails is asked again on the next look.
    let lastError: unknown;
    const count = async (query: string): Promise<number | undefined> => {
      try {
        const [[row]] = (await sql.pool.query(query)) as unknown as [
          [{n: number}],
        ];
        return Number(row.n);
      } catch (error) {
        lastError = error;
        return undefined;
      }
    };
    try {
      let total: number | undefined;
      let done = 0;
      for (;;) {
        if (Date.now() - began > TIMEOUT_MS)
          throw new Error(
            `not replicated after ${TIMEOUT_MS} ms; last error: ${(lastError as Error)?.message}`,
          );
        total ??= await count('SELECT COUNT(*) AS n FROM transactions');
        const unsent =
          total === undefined
            ? undefined
            : await count(
                'SELECT COUNT(*) AS n FROM transactions WHERE sent_to_big_table = FALSE',
              );
        if (total === undefined || unsent === undefined) {
          await new Promise(resolve => setTimeout(resolve, 250));
          continue;
        }
        if (done === 0) progress.total(total);
        progress.advance(Number(total) - Number(unsent) - done);
        done = Number(total) - Number(unsent);
        const watermark = await readWatermark(
          state,
          context.resources.bigtable.state,
        ).catch(() => undefined);
        if (
          Number(unsent) === 0 &&
          watermark !== undefined &&
          watermark >= endOfDay(last)
        ) {
          return {
            items: Number(total),
            unit: 'transactions',
            detail: `watermark ${watermark.toISOString()}${nudges ? `, ${nudges} repeated runs` : ''}`,
          };
        }
        if (Date.now() - began > TIMEOUT_MS)
          throw new Error(
            `not replicated after ${TIMEOUT_MS} ms: ${unsent} rows unsent, watermark ${watermark?.toISOString()}`,
          );
        if (Number(unsent) === 0) {
          allSentSince ??= Date.now();
          if (Date.now() - allSentSince > NUDGE_AFTER_MS) {
            await scheduledRun(
              () => context.functions.httpGenerate!.url,
              new Date(endOfDay(last).getTime()),
              context.options.perHour,
            );
            nudges += 1;
            allSentSince = Date.now();
          }
        } else {
          allSentSince = undefined;
        }
        await new Promise(resolve => setTimeout(resolve, 250));
      }
    } finally {
      await Promise.allSettled([sql.close(), bigtable.close()]);
    }
  },
};
