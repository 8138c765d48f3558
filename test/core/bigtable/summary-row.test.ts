import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {mutateEntries} from '../../../core/bigtable/mutate-entries';
import {
  EntriesWriter,
  encodeEntries,
} from '../../../core/bigtable/mutate-rows-wire';
import {NEWEST_CELL} from '../../../core/bigtable/read-rows';
import {
  decodeSummaryRow,
  encodeSummaryRow,
  loadedDateFilter,
  type SummaryCells,
  SIGNAL_COLUMN,
  summaryCellsOf,
  summaryRowEntry,
} from '../../../core/bigtable/summary-row';
import {provisionBigtable} from '../../../core/provision/bigtable';
import type {SummaryRow} from '../../../core/summary-csv';
import {platformClients} from '../../support/suite-env';
import {suiteResources} from '../../support/suite-resources';

const resources = suiteResources('summary-row');
const {bigtable} = platformClients(resources.project);
const schema = resources.bigtable.summaries;
const table = bigtable.instance(resources.bigtable.instance).table(schema.id);

const DAY = '2026-11-26';
const ROWS: SummaryRow[] = [
  {
    kind: 'group',
    date: DAY,
    type: 'purchase',
    currency: 'USD',
    count: 3,
    sumMinor: 123450n,
  },
  {
    kind: 'group',
    date: DAY,
    type: 'refund',
    currency: 'JPY',
    count: 1,
    sumMinor: -1200n,
  },
  {
    kind: 'currency-total',
    date: DAY,
    currency: 'USD',
    count: 3,
    sumMinor: 123450n,
  },
  {
    kind: 'currency-total',
    date: DAY,
    currency: 'JPY',
    count: 1,
    sumMinor: -1200n,
  },
  {kind: 'grand-total', date: DAY, count: 4},
];

async function stored(): Promise<SummaryCells[]> {
  const [rows] = await table.getRows({filter: NEWEST_CELL});
  return rows.map(row => decodeSummaryRow(row, schema));
}

test.before(async () => {
  await provisionBigtable(bigtable, resources.bigtable);
});

test.after(async () => {
  await bigtable.close();
});

test('the cells of a day: a column per group and total in count, the same but TOTAL:ALL in sum, and the signal', () => {
  assert.equal(summaryCellsOf(DAY, ROWS, 'LOW'), {
    key: DAY,
    count: {
      'purchase:USD': '3',
      'refund:JPY': '1',
      'TOTAL:USD': '3',
      'TOTAL:JPY': '1',
      'TOTAL:ALL': '4',
      threshold_signal: 'LOW',
    },
    sum: {
      'purchase:USD': '1234.50',
      'refund:JPY': '-1200',
      'TOTAL:USD': '1234.50',
      'TOTAL:JPY': '-1200',
    },
  });
  assert.equal(summaryCellsOf(DAY, ROWS.slice(0, 1), undefined).count, {
    'purchase:USD': '3',
  });
});

test('a written row reads back as its cells; rewriting it leaves only the new cells, one version each', async () => {
  const first = summaryCellsOf(DAY, ROWS, 'LOW');
  await mutateEntries(table, [summaryRowEntry(first, schema)]);
  assert.equal(await stored(), [first]);

  const corrected = summaryCellsOf(
    DAY,
    [ROWS[0]!, ROWS[2]!, {kind: 'grand-total', date: DAY, count: 3}],
    'NORMAL',
  );
  await mutateEntries(table, [summaryRowEntry(corrected, schema)]);
  assert.equal(
    await stored(),
    [corrected],
    'no column of the first write is left',
  );
  const [[row]] = await table.getRows();
  const versions = Object.values(
    row!.data as Record<string, Record<string, unknown[]>>,
  ).flatMap(family => Object.values(family).map(cells => cells.length));
  assert.ok(
    versions.every(n => n === 1),
    `versions per cell: ${versions.join(',')}`,
  );
});

test('a row encoded straight from its cells is the bytes of its entry, and writes the same row', async () => {
  const rows: SummaryCells[] = [
    summaryCellsOf(DAY, ROWS, 'LOW'),
    // Not what a summary holds, but text all the same: non-ASCII qualifiers and values, an
    // empty family, a long value.
    {
      key: '2026-12-27',
      count: {'x:é': 'ü€', 'TOTAL:EUR': '7'},
      sum: {},
    },
    {key: '2026-12-28', count: {}, sum: {'TOTAL:USD': '9'.repeat(400)}},
  ];
  const writer = new EntriesWriter();
  for (const row of rows) encodeSummaryRow(row, schema, writer);
  assert.is(writer.size, rows.length);
  const direct = writer.take();
  assert.is(writer.size, 0, 'take() starts the writer empty again');
  const viaEntries = encodeEntries(
    rows.map(row => summaryRowEntry(row, schema)),
  );
  assert.equal([...direct.ends], [...viaEntries.ends]);
  assert.ok(direct.bytes.equals(viaEntries.bytes), 'the same bytes');
  assert.is(direct.bytes.byteOffset, 0, 'memory of its own');
  assert.is(direct.bytes.buffer.byteLength, direct.bytes.length);

  await mutateEntries(table, direct);
  assert.equal(await stored(), rows);
});

test('a writer past its first buffer and its first 64 ends keeps every entry, batch after batch', () => {
  // 300 rows of ~1.4 KB: the writer grows its buffer (64 KB) and its ends (64) more than once.
  const rows = Array.from({length: 300}, (_, i): SummaryCells => ({
    key: new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10),
    count: {'TOTAL:ALL': String(i), [SIGNAL_COLUMN]: 'LOW'},
    sum: {'TOTAL:USD': String(i).repeat(1 + (i % 400))},
  }));
  const writer = new EntriesWriter();
  for (const batch of [rows.slice(0, 250), rows.slice(250)]) {
    for (const row of batch) encodeSummaryRow(row, schema, writer);
    const taken = writer.take();
    const expected = encodeEntries(
      batch.map(row => summaryRowEntry(row, schema)),
    );
    assert.equal([...taken.ends], [...expected.ends]);
    assert.ok(taken.bytes.equals(expected.bytes), 'the same bytes');
    assert.is(
      taken.bytes.buffer.byteLength,
      taken.bytes.length,
      'memory of its own',
    );
    assert.is(taken.ends.buffer.byteLength, taken.ends.byteLength);
  }
});

test('an entry written short of the length it was opened with is refused', () => {
  const writer = new EntriesWriter();
  const out = writer.entry(10);
  out.varint(1);
  assert.throws(() => writer.end(out), /sized 10, written 1/);
  assert.is(writer.size, 0, 'nothing taken in');
});

test('the loaded-date filter passes exactly the rows that hold their threshold signal', async () => {
  const withoutSignal = summaryCellsOf(
    '2026-11-27',
    ROWS.slice(0, 4).map(r => ({...r, date: '2026-11-27'})),
    undefined,
  );
  const withSignal = summaryCellsOf(
    '2026-11-28',
    [{kind: 'grand-total', date: '2026-11-28', count: 0}],
    'LOW',
  );
  await mutateEntries(table, [
    summaryRowEntry(withoutSignal, schema),
    summaryRowEntry(withSignal, schema),
  ]);
  const [rows] = await table.getRows({filter: loadedDateFilter(schema)});
  assert.equal(rows.map(r => r.id).sort(), [DAY, '2026-11-28']);
});

test.run();
