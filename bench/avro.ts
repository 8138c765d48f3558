/**
 * bigtableToAvro's publication step (core/publication), on the Bigtable and Pub/Sub emulators.
 *
 * - `avro-scope`: Bigtable rows read by one run after 100 new rows arrived, with 10,000 rows in
 *   `txn_tbl` (the baseline) and then with 1,000,000. The older rows are already behind the
 *   publication cursor (set as a previous run leaves it); they are loaded with raw batched
 *   MutateRows (1,000 rows a request, 4 in flight) to keep the set-up short. Goal: ratio 1.0.
 * - `avro-publish`: records/s through a whole run (read, decode, encode, publish, mark) against raw
 *   publishes of the same records, encoded beforehand, through the same publisher settings to the
 *   same topic, with as many in flight (one chunk per salt bucket). Rounds alternate which side
 *   goes first; the marks and the cursor are reset between rounds; medians are compared. Each
 *   round prints every side's CPU-seconds per process, and reading the same rows alone.
 */
import {PubSub} from '@google-cloud/pubsub';
import {encodeReadRowsRequest} from '../core/bigtable/read-rows-wire';
import {createBigtableClient} from '../core/bigtable/client';
import {loadGenerator} from '../core/generation/generator';
import {batchIdForKey} from '../core/generation/slot';
import {createLogger} from '../core/log';
import {provisionBigtable} from '../core/provision/bigtable';
import {provisionPubsub} from '../core/provision/pubsub';
import {readTransactionAvsc} from '../core/provision/transaction-avsc';
import {
  type PublicationOptions,
  publishTransactions,
} from '../core/publication/publish-transactions';
import {writePublicationCursor} from '../core/publication/publication-cursor';
import {batchedPublisher} from '../core/pubsub/message-publisher';
import {pubsubRestTarget} from '../core/pubsub/rest-publisher';
import {readTopicSchema} from '../core/pubsub/topic-schema';
import {toRawEntry} from '../core/bigtable/raw-entry';
import {defaultResources} from '../core/resources';
import {HOUR_MS as HOUR} from '../core/time';
import {SALT_BUCKETS, saltOf} from '../core/bigtable/row-key';
import type {Transaction} from '../core/transaction';
import {DELIVERY_COLUMNS, toRowEntry} from '../core/bigtable/txn-row';
import {recordWatermark} from '../core/bigtable/pipeline-state';
import {forEachRow} from '../core/bigtable/row-stream';
import {occurredRanges} from '../core/publication/occurred-ranges';
import {
  benchLine,
  cpuSeconds,
  emulatorBytesChannel,
  median,
  platformFor,
  processName,
  rawWrite,
  runBench,
  selectFigures,
} from './_support';

const FIGURES = ['avro-scope', 'avro-publish', 'avro-ceiling'] as const;

const SMALL = 10_000;
const LARGE = Number(process.env.BENCH_AVRO_SCOPE_ROWS ?? 1_000_000);
const NEW_ROWS = 100;
const PUBLISH_ROWS = Number(process.env.BENCH_AVRO_PUBLISH_ROWS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const OPTIONS: PublicationOptions = {
  chunkSize: 500,
  markBatchSize: 2500,
  leaseTtlMs: 120_000,
  leasePollMs: 1000,
  initialLookbackMs: 31 * 86_400_000,
  budgetMs: 600_000,
};

/** Rows of consecutive hours from `first`, `perHour` each, with ids unique to `prefix`. */
async function* hoursOfRows(
  prefix: string,
  first: Date,
  rows: number,
  perHour = 50_000,
): AsyncGenerator<Transaction[]> {
  const generator = await loadGenerator();
  for (let done = 0, hour = 0; done < rows; hour++) {
    const count = Math.min(perHour, rows - done);
    const slotStart = new Date(first.getTime() + hour * HOUR);
    yield generator.generate({
      batchId: batchIdForKey(`${prefix}-${hour}`),
      slotStart,
      count,
    });
    done += count;
  }
}

async function main(args: string[]): Promise<void> {
  const figures = selectFigures(FIGURES, args);
  const platform = await platformFor(
    ['bigtable', 'pubsub'],
    ['BIGTABLE_EMULATOR_HOST', 'PUBSUB_EMULATOR_HOST'],
  );
  const log = createLogger('bench', undefined, 'silent');
  try {
    for (const figure of figures) {
      // Each figure on resources of its own: a Bigtable instance and a Pub/Sub project.
      const resources = defaultResources(`bench-${figure}`);
      const bigtable = createBigtableClient({projectId: resources.project});
      const pubsub = new PubSub({projectId: resources.project});
      await provisionBigtable(bigtable, resources.bigtable);
      await provisionPubsub(pubsub, resources.pubsub, {
        avroSchemaDefinition: readTransactionAvsc(),
        withReplicateSubscription: false,
      });
      const instance = bigtable.instance(resources.bigtable.instance);
      const txnTable = instance.table(resources.bigtable.txn.id);
      const stateTable = instance.table(resources.bigtable.state.id);
      const schema = await readTopicSchema(
        pubsubRestTarget(),
        resources.project,
        resources.pubsub.avroTopic,
      );
      const publisher = batchedPublisher(
        pubsubRestTarget(),
        resources.project,
        resources.pubsub.avroTopic,
        {timeoutMs: 60_000},
      );
      const deps = {
        txnTable,
        txnSchema: resources.bigtable.txn,
        stateTable,
        stateSchema: resources.bigtable.state,
        codec: schema.codec,
        publisher,
        log,
      };
      const base = new Date(
        Math.floor(Date.now() / HOUR) * HOUR - 60 * 24 * HOUR,
      );
      if (figure === 'avro-scope') await scope(deps, base);
      else
        await publish(
          deps,
          base,
          [process.pid, ...(platform?.pids ?? [])],
          figure,
        );
      await Promise.all([bigtable.close(), pubsub.close()]);
    }
  } finally {
    await platform?.stop();
  }

  type Deps = Parameters<typeof publishTransactions>[0];

  async function scope(deps: Deps, base: Date): Promise<void> {
    const schema = deps.txnSchema;
    // The old rows fill the hours from `base`; the new ones come after every old row.
    const afterOld = new Date(
      base.getTime() + Math.ceil(LARGE / 50_000 + 1) * HOUR,
    );
    let loaded = 0;
    const load = async (upTo: number) => {
      for await (const rows of hoursOfRows(
        `old-${loaded}`,
        new Date(base.getTime() + Math.ceil(loaded / 50_000) * HOUR),
        upTo - loaded,
      )) {
        await rawWrite(
          deps.txnTable,
          rows.map(t => toRawEntry(toRowEntry(t, schema))),
        );
        loaded += rows.length;
      }
    };
    const runAfterNewRows = async (round: number) => {
      const cursor = new Date(afterOld.getTime() + round * 2 * HOUR);
      const [rows] = await Promise.all([
        hoursOfRows(`new-${round}`, cursor, NEW_ROWS).next(),
        writePublicationCursor(deps.stateTable, deps.stateSchema, cursor),
      ]);
      await rawWrite(
        deps.txnTable,
        (rows.value as Transaction[]).map(t =>
          toRawEntry(toRowEntry(t, schema)),
        ),
      );
      await recordWatermark(
        deps.stateTable,
        deps.stateSchema,
        new Date(cursor.getTime() + HOUR),
      );
      const report = await publishTransactions(deps, OPTIONS);
      if (report.published !== NEW_ROWS)
        throw new Error(
          `published ${report.published} of ${NEW_ROWS} new rows`,
        );
      return report.rowsRead;
    };
    await load(SMALL);
    const small = await runAfterNewRows(0);
    console.log(
      `avro-scope: ${SMALL} rows in txn_tbl, ${NEW_ROWS} new: ${small} rows read`,
    );
    const loadStarted = performance.now();
    await load(LARGE);
    console.log(
      `avro-scope: loaded ${LARGE - SMALL} more rows in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`,
    );
    const large = await runAfterNewRows(1);
    console.log(
      `avro-scope: ${LARGE + NEW_ROWS} rows in txn_tbl, ${NEW_ROWS} new: ${large} rows read`,
    );
    console.log(benchLine('avro-scope', large, small, 'rows read'));
  }

  async function publish(
    deps: Deps,
    base: Date,
    pids: number[],
    figure: 'avro-publish' | 'avro-ceiling',
  ): Promise<void> {
    const rows: Transaction[] = [];
    for await (const hour of hoursOfRows('publish', base, PUBLISH_ROWS, 5000))
      rows.push(...hour);
    await rawWrite(
      deps.txnTable,
      rows.map(t => toRawEntry(toRowEntry(t, deps.txnSchema))),
    );
    const watermark = new Date(
      base.getTime() + Math.ceil(PUBLISH_ROWS / 5000) * HOUR,
    );
    await recordWatermark(deps.stateTable, deps.stateSchema, watermark);
    // The baseline's records: the same, encoded beforehand, split by salt bucket as the run splits them.
    const buckets: Array<Array<{data: Buffer; id: string}>> = Array.from(
      {length: SALT_BUCKETS},
      () => [],
    );
    for (const txn of rows)
      buckets[saltOf(txn.id)]!.push({
        data: deps.codec.encode(deps.codec.complete({...txn})),
        id: txn.id,
      });

    const raw = async () => {
      await Promise.all(
        buckets.map(async bucket => {
          for (let i = 0; i < bucket.length; i += OPTIONS.chunkSize) {
            await Promise.all(
              bucket
                .slice(i, i + OPTIONS.chunkSize)
                .map(m =>
                  deps.publisher.publish(m.data, {transactionId: m.id}),
                ),
            );
          }
        }),
      );
    };
    const run = async () => {
      const report = await publishTransactions(deps, OPTIONS);
      if (report.published !== rows.length)
        throw new Error(`published ${report.published} of ${rows.length}`);
    };
    const reset = async () => {
      const markColumn = `${deps.txnSchema.families.delivery}:${DELIVERY_COLUMNS.passedToPubSub}`;
      const keys = rows.map(t => toRowEntry(t, deps.txnSchema).key);
      for (let i = 0; i < keys.length; i += 1000)
        await deps.txnTable.mutate(
          keys
            .slice(i, i + 1000)
            .map(key => ({key, method: 'delete', data: [markColumn]})),
        );
      await writePublicationCursor(deps.stateTable, deps.stateSchema, base);
    };
    // CPU-seconds of this process and of each emulator, beside each rate: on a loaded machine the
    // wall clock alone misleads, and the split shows where a side's work goes.
    const names = pids.map((pid, i) => (i === 0 ? 'node' : processName(pid)));
    const sample = () => pids.map(cpuSeconds);
    type Side = 'run' | 'raw' | 'read' | 'ceiling';
    const cpuUsed: Record<Side, number[][]> = {
      run: [],
      raw: [],
      read: [],
      ceiling: [],
    };
    const timed = async (side: () => Promise<void>, name: Side) => {
      const [started, before] = [performance.now(), sample()];
      await side();
      const after = sample();
      cpuUsed[name].push(after.map((value, i) => value - before[i]!));
      return rows.length / ((performance.now() - started) / 1000);
    };
    const split = (name: Side) => {
      const last = cpuUsed[name].at(-1)!;
      return `${last.reduce((a, b) => a + b, 0).toFixed(2)} cpu-s: ${names.map((n, i) => `${n} ${last[i]!.toFixed(2)}`).join(', ')}`;
    };
    // Reading alone, as the run reads (one ReadRows per salt bucket, all at once): not a side of the
    // figure, but the floor under the run's time and CPU that the baseline does not have.
    const bySalt = occurredRanges(base, watermark);
    const readAlone = async () => {
      let read = 0;
      await Promise.all(
        bySalt.map(ranges => forEachRow(deps.txnTable, ranges, () => read++)),
      );
      if (read !== rows.length)
        throw new Error(`read ${read} of ${rows.length} rows`);
    };
    // The least work any run must do: the same ReadRows with nothing made of the responses (their
    // bytes are only counted) while the pre-encoded records are published, both at once.
    const tableName = deps.txnTable.name;
    const emulator = emulatorBytesChannel();
    const readBytesOnly = () =>
      Promise.all(
        bySalt.map(ranges =>
          emulator.call(
            'ReadRows',
            encodeReadRowsRequest(
              tableName,
              ranges.map(r => ({
                start: Buffer.from(r.start),
                end: Buffer.from(r.end),
              })),
            ),
          ),
        ),
      );
    const ceiling = async () => {
      const [bytes] = await Promise.all([readBytesOnly(), raw()]);
      if (bytes.reduce((a, b) => a + b, 0) === 0)
        throw new Error('the ceiling read no bytes');
    };
    if (figure === 'avro-ceiling') {
      await raw(); // warm-up: connections, JIT
      const ceilings: number[] = [];
      const raws: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of round % 2 === 0
          ? ['raw', 'ceiling']
          : ['ceiling', 'raw']) {
          if (side === 'raw') raws.push(await timed(raw, 'raw'));
          else ceilings.push(await timed(ceiling, 'ceiling'));
        }
        console.log(
          `avro-ceiling round ${round + 1}: read bytes + raw publishes ${ceilings.at(-1)!.toFixed(0)} records/s (${split('ceiling')}); raw publishes ${raws.at(-1)!.toFixed(0)} records/s (${split('raw')})`,
        );
      }
      emulator.close();
      console.log(
        benchLine('avro-ceiling', median(ceilings), median(raws), 'records/s'),
      );
      return;
    }
    emulator.close();
    await raw(); // warm-up: connections, JIT
    const runs: number[] = [];
    const raws: number[] = [];
    const reads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? ['raw', 'run'] : ['run', 'raw']) {
        if (side === 'raw') raws.push(await timed(raw, 'raw'));
        else {
          await reset();
          runs.push(await timed(run, 'run'));
        }
      }
      reads.push(await timed(readAlone, 'read'));
      console.log(
        `avro-publish round ${round + 1}: publication ${runs.at(-1)!.toFixed(0)} records/s (${split('run')})`,
      );
      console.log(
        `avro-publish round ${round + 1}: raw publishes ${raws.at(-1)!.toFixed(0)} records/s (${split('raw')})`,
      );
      console.log(
        `avro-publish round ${round + 1}: reading alone ${reads.at(-1)!.toFixed(0)} rows/s (${split('read')})`,
      );
    }
    const medianSplit = (name: Side) =>
      names
        .map(
          (n, i) => `${n} ${median(cpuUsed[name].map(s => s[i]!)).toFixed(2)}`,
        )
        .join(', ');
    console.log(
      `avro-publish medians: publication ${median(runs).toFixed(0)} records/s (${medianSplit('run')}); raw publishes ${median(raws).toFixed(0)} records/s (${medianSplit('raw')}); reading alone ${median(reads).toFixed(0)} rows/s (${medianSplit('read')})`,
    );
    console.log(
      benchLine('avro-publish', median(runs), median(raws), 'records/s'),
    );
  }
}

runBench(main);
