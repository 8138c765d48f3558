import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {DayTotals} from '../../core/summary/day-totals';
import {
  dayOfSummaryFile,
  decodeSummaryCsv,
  encodeSummaryCsv,
  summaryFileName,
  type SummaryRow,
} from '../../core/summary-csv';
import {random} from './summary/fixtures';
import {CURRENCIES} from '../../core/money';
import {TRANSACTION_TYPES} from '../../core/transaction';

const HEADER = 'date,transaction_type,currency,transaction_count,amount_sum';

test('file names carry the day, and only well-formed names give one back', () => {
  assert.is(
    summaryFileName('2026-11-26'),
    'Financial_transaction_daily_summary_2026-11-26.csv',
  );
  assert.is(
    dayOfSummaryFile(
      'summaries/Financial_transaction_daily_summary_2026-11-26.csv',
    ),
    '2026-11-26',
  );
  assert.is(
    dayOfSummaryFile('Financial_transaction_daily_summary_2026-02-30.csv'),
    undefined,
  );
  assert.is(
    dayOfSummaryFile('Financial_transaction_daily_summary_2026-11-26.csv.tmp'),
    undefined,
  );
  assert.throws(() => summaryFileName('26-11-2026'));
});

test('the exact bytes of a small day', () => {
  const rows: SummaryRow[] = [
    {
      kind: 'group',
      date: '2026-11-26',
      type: 'purchase',
      currency: 'USD',
      count: 2,
      sumMinor: 123456n,
    },
    {
      kind: 'group',
      date: '2026-11-26',
      type: 'refund',
      currency: 'JPY',
      count: 1,
      sumMinor: 1200n,
    },
    {
      kind: 'group',
      date: '2026-11-26',
      type: 'fee',
      currency: 'EUR',
      count: 1,
      sumMinor: 5n,
    },
    {
      kind: 'currency-total',
      date: '2026-11-26',
      currency: 'USD',
      count: 2,
      sumMinor: 123456n,
    },
    {kind: 'grand-total', date: '2026-11-26', count: 4},
  ];
  assert.is(
    encodeSummaryCsv(rows),
    [
      HEADER,
      '2026-11-26,purchase,USD,2,1234.56',
      '2026-11-26,refund,JPY,1,1200',
      '2026-11-26,fee,EUR,1,0.05',
      '2026-11-26,TOTAL,USD,2,1234.56',
      '2026-11-26,TOTAL,ALL,4,',
      '',
    ].join('\n'),
  );
});

test('round trip: what the job writes, the flex template reads back exactly', () => {
  const next = random(42);
  for (let round = 0; round < 50; round++) {
    const totals = new DayTotals('2026-11-26');
    const n = Math.floor(next() * 500);
    for (let i = 0; i < n; i++) {
      totals.add({
        type: TRANSACTION_TYPES[Math.floor(next() * TRANSACTION_TYPES.length)]!,
        currency: CURRENCIES[Math.floor(next() * CURRENCIES.length)]!,
        amountMinor: BigInt(1 + Math.floor(next() * 2 ** 52)) * 1000n,
      });
    }
    const rows = totals.toRows();
    const decoded = decodeSummaryCsv(encodeSummaryCsv(rows));
    assert.equal(decoded.rejected, []);
    assert.equal(
      decoded.rows.map(({line: _, ...row}) => row),
      rows,
    );
    assert.equal(
      decoded.rows.map(r => r.line),
      rows.map((_, i) => i + 2),
    );
  }
});

test('bad lines are rejected with their line numbers; good lines are kept', () => {
  const text = [
    HEADER,
    '2026-11-26,purchase,USD,2,1234.56',
    '2026-11-26,purchase,USD,2,1234.5',
    '2026-11-26,gift,USD,1,1.00',
    '2026-11-26,purchase,XXX,1,1.00',
    '2026-11-26,purchase,USD,-1,1.00',
    '2026-11-26,purchase,USD',
    '2026-11-26,TOTAL,ALL,3,9.99',
    '2026-11-26,TOTAL,ALL,3,',
  ].join('\n');
  const decoded = decodeSummaryCsv(text);
  assert.equal(
    decoded.rows.map(r => r.line),
    [2, 9],
  );
  assert.equal(
    decoded.rejected.map(r => r.line),
    [3, 4, 5, 6, 7, 8],
  );
  assert.match(decoded.rejected[0]!.reason, /exactly 2 fraction digits/);
});

test('a wrong header rejects the whole file', () => {
  const decoded = decodeSummaryCsv(
    'day,type,currency,count,sum\n2026-11-26,purchase,USD,2,1.00\n',
  );
  assert.equal(decoded.rows, []);
  assert.is(decoded.rejected[0]!.line, 1);
});

test('CRLF line ends, a byte-order mark and blank or whitespace-only lines keep line numbers right', () => {
  const text = `\ufeff${HEADER}\r\n2026-11-26,purchase,USD,2,1.00\r\n\r\n   \r\n2026-11-26,purchase,USD,x,1.00\r\n2026-11-26,TOTAL,ALL,2,\r\n`;
  const decoded = decodeSummaryCsv(text);
  assert.equal(
    decoded.rows.map(r => r.line),
    [2, 6],
  );
  assert.equal(
    decoded.rejected.map(r => r.line),
    [5],
  );
});

test('line numbers stay exact after a line of only commas and after a quoted newline', () => {
  const text = [
    HEADER,
    '2026-11-26,purchase,USD,2,1.00',
    ',,,,',
    '2026-11-26,purchase,EUR,2,1.0',
    '2026-11-26,"purchase',
    'x",USD,1,1.00',
    '2026-11-26,refund,USD,1,x',
    '2026-11-26,TOTAL,ALL,3,',
  ].join('\n');
  const decoded = decodeSummaryCsv(text);
  assert.equal(
    decoded.rejected.map(r => r.line),
    [4, 5, 7],
  );
  assert.equal(
    decoded.rows.map(r => r.line),
    [2, 8],
  );
});

function dayOfRandomRows(seed: number): SummaryRow[] {
  const next = random(seed);
  const totals = new DayTotals('2026-11-26');
  for (let i = 0; i < 200; i++)
    totals.add({
      type: TRANSACTION_TYPES[Math.floor(next() * TRANSACTION_TYPES.length)]!,
      currency: CURRENCIES[Math.floor(next() * CURRENCIES.length)]!,
      amountMinor: BigInt(1 + Math.floor(next() * 2 ** 40)),
    });
  return totals.toRows();
}

test('a text without quotes or carriage returns decodes as papaparse decodes it (the split fast path)', () => {
  // Each text twice: as is (split on line ends and commas) and with its header's first field
  // quoted, which sends it through papaparse; rows and rejections must be the same.
  const texts = [
    '',
    HEADER,
    `${HEADER}\n`,
    [
      HEADER,
      '2026-11-26,purchase,USD,2,1.00',
      '',
      ',,,,',
      '   ',
      '2026-11-26,purchase,USD',
      '2026-11-26,purchase,EUR,2,1.00,extra',
      '2026-11-26,refund,USD,1,x',
      '2026-11-26,TOTAL,USD,2,1.00',
      '2026-11-26,TOTAL,ALL,3,',
      '',
      '',
    ].join('\n'),
    [HEADER, '2026-11-26,purchase,JPY,1,5', '2026-11-26,TOTAL,ALL,1,'].join(
      '\n',
    ),
    encodeSummaryCsv(dayOfRandomRows(5)),
  ];
  for (const text of texts) {
    const quoted = text.replace(/^date,/, '"date",');
    if (text.startsWith('date,')) assert.is.not(quoted, text);
    assert.equal(decodeSummaryCsv(text), decodeSummaryCsv(quoted), text);
  }
});

test.run();
