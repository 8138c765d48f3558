import { createBigtableClient } from '../../../core/bigtable/client';
import { endOfDay } from '../../../core/day';
import { openSqlPool } from '../../../core/sql/connect';
import { readSqlConnection } from '../../../core/sql/connection-config';
import { readConfig } from '../../../core/config';
import { readWatermark } from '../../../core/bigtable/pipeline-state';
import type { Phase } from '../phase';
import { scheduledRun } from './generate';

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
    const sql = await openSqlPool(readConfig(context.env, (read) => readSqlConnection(read, { database: context.resources.sql.database })));
    const bigtable = createBigtableClient({ projectId: context.resources.project });
    const state = bigtable.instance(context.resources.bigtable.instance).table(context.resources.bigtable.state.id);
    const last = context.days[context.days.length - 1]!;
    const began = Date.now();
    let allSentSince: number | undefined;
    let nudges = 0;
    try {
      const [[{ total }]] = (await sql.pool.query('SELECT COUNT(*) AS total FROM transactions')) as unknown as [[{ total: number }]];
      progress.total(Number(total));
      let done = 0;
      for (;;) {
        const [[{ unsent }]] = (await sql.pool.query('SELECT COUNT(*) AS unsent FROM transactions WHERE sent_to_big_table = FALSE')) as unknown as [[{ unsent: number }]];
        progress.advance(Number(total) - Number(unsent) - done);
        done = Number(total) - Number(unsent);
        const watermark = await readWatermark(state, context.resources.bigtable.state).catch(() => undefined);
        if (Number(unsent) === 0 && watermark !== undefined && watermark >= endOfDay(last)) {
          return { items: Number(total), unit: 'transactions', detail: `watermark ${watermark.toISOString()}${nudges ? `, ${nudges} repeated runs` : ''}` };
        }
        if (Date.now() - began > TIMEOUT_MS) throw new Error(`not replicated after ${TIMEOUT_MS} ms: ${unsent} rows unsent, watermark ${watermark?.toISOString()}`);
        if (Number(unsent) === 0) {
          allSentSince ??= Date.now();
          if (Date.now() - allSentSince > NUDGE_AFTER_MS) {
            await scheduledRun(() => context.functions.httpGenerate!.url, new Date(endOfDay(last).getTime()), context.options.perHour);
            nudges += 1;
            allSentSince = Date.now();
          }
        } else {
          allSentSince = undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await Promise.allSettled([sql.close(), bigtable.close()]);
    }
  },
};
