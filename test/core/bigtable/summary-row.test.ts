import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {mutateEntries} from '../../../core/bigtable/mutate-entries';
import {
  concatEntries,
  encodeEntries,
} from '../../../core/bigtable/mutate-rows-wire';
import {NEWEST_CELL} from '../../../core/bigtable/read-rows';
import {
  decodeSummaryRow,
  encodeSummaryRow,
  loadedDateFilter,
  type SummaryCells,
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
  const direct = concatEntries(rows.map(row => encodeSummaryRow(row, schema)));
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
