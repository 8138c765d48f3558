import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  dailySummaryLoad,
  encodeDeadLetters,
  thresholdSignal,
} from '../../flex-template/daily-summary-row';

const T = {low: 10, high: 100};
const FILE = 'Financial_transaction_daily_summary_2024-03-01.csv';
const GOOD = [
  'date,transaction_type,currency,transaction_count,amount_sum',
  '2024-03-01,purchase,USD,3,1234.50',
  '2024-03-01,refund,USD,1,-10.00',
  '2024-03-01,purchase,JPY,2,1200',
  '2024-03-01,TOTAL,JPY,2,1200',
  '2024-03-01,TOTAL,USD,4,1224.50',
  '2024-03-01,TOTAL,ALL,6,',
].join('\n');

test('threshold_signal: LOW below low, HIGH at or above high', () => {
  assert.is(thresholdSignal(9, T), 'LOW');
  assert.is(thresholdSignal(10, T), 'NORMAL');
  assert.is(thresholdSignal(99, T), 'NORMAL');
  assert.is(thresholdSignal(100, T), 'HIGH');
});

test('a good file becomes one row: groups and totals in count and sum, signal in count', () => {
  const load = dailySummaryLoad(FILE, '2024-03-01', GOOD + '\n', T);
  assert.equal(load.deadLetters, []);
  assert.is(load.validRows, 6);
  assert.equal(load.cells, {
    key: '2024-03-01',
    count: {
      'purchase:USD': '3',
      'refund:USD': '1',
      'purchase:JPY': '2',
      'TOTAL:JPY': '2',
      'TOTAL:USD': '4',
      'TOTAL:ALL': '6',
      threshold_signal: 'LOW',
    },
    sum: {
      'purchase:USD': '1234.50',
      'refund:USD': '-10.00',
      'purchase:JPY': '1200',
      'TOTAL:JPY': '1200',
      'TOTAL:USD': '1224.50',
    },
  });
});

test('a day without transactions is only the grand total', () => {
  const load = dailySummaryLoad(
    FILE,
    '2024-03-01',
    'date,transaction_type,currency,transaction_count,amount_sum\n2024-03-01,TOTAL,ALL,0,\n',
    T,
  );
  assert.equal(load.cells, {
    key: '2024-03-01',
    count: {'TOTAL:ALL': '0', threshold_signal: 'LOW'},
    sum: {},
  });
});

test('bad lines are dead-lettered with their line numbers, and the file yields no cells', () => {
  const lines = GOOD.split('\n');
  lines.splice(2, 0, '2024-03-01,purchase,USD,x,1.00'); // line 3: bad count
  lines.splice(3, 0, '2024-03-02,fee,USD,1,1.00'); // line 4: wrong date
  lines.splice(4, 0, '2024-03-01,purchase,USD,1,1.5'); // line 5: duplicate group? no: bad amount first
  lines.push('2024-03-01,purchase,JPY,1,5'); // last line: duplicate group
  lines.push('2024-03-01,deposit,EUR,1,2.00,extra'); // too many fields
  const load = dailySummaryLoad(FILE, '2024-03-01', lines.join('\n'), T);
  // The exact list, in line order: lines rejected by the parser (3, 5, 12) and by the whole-file
  // checks (4, 11) come from two passes and must be merged, one letter per line.
  assert.equal(
    load.deadLetters.map(d => d.line),
    [3, 4, 5, 11, 12],
  );
  const [l3, l4, l5, l11, l12] = load.deadLetters.map(d => d.reason);
  assert.match(l3!, /transaction_count/);
  assert.match(l4!, /does not match the file's date/);
  assert.match(l5!, /USD amount/);
  assert.match(l11!, /duplicate row for purchase,JPY \(first at line 7\)/);
  assert.match(l12!, /fields|columns/);
  for (const d of load.deadLetters) assert.is(d.file, FILE);
  assert.is(load.validRows, 6);
  assert.is(
    load.cells,
    undefined,
    'a summary with a rejected line is not loaded at all',
  );
});

test('a file without a valid TOTAL,ALL line yields no cells, and line 0 says why', () => {
  const reason = /^no valid TOTAL,ALL row/;
  // The grand total's line is bad: its own letter first, then the file's (line 0), last.
  const bad = dailySummaryLoad(
    FILE,
    '2024-03-01',
    GOOD.replace('TOTAL,ALL,6,', 'TOTAL,ALL,six,'),
    T,
  );
  assert.equal(
    bad.deadLetters.map(d => d.line),
    [7, 0],
  );
  assert.match(bad.deadLetters[1]!.reason, reason);
  assert.is(bad.validRows, 5);
  assert.is(
    bad.cells,
    undefined,
    'a summary with a rejected line is not loaded at all',
  );
  // No TOTAL,ALL line at all: line 0 is the only letter.
  const missing = dailySummaryLoad(
    FILE,
    '2024-03-01',
    GOOD.split('\n').slice(0, -1).join('\n'),
    T,
  );
  assert.equal(
    missing.deadLetters.map(d => ({file: d.file, line: d.line})),
    [{file: FILE, line: 0}],
  );
  assert.match(missing.deadLetters[0]!.reason, reason);
  assert.is(missing.cells, undefined);
});

test('totals that disagree with their groups are rejected when every group line was valid', () => {
  const load = dailySummaryLoad(
    FILE,
    '2024-03-01',
    GOOD.replace('TOTAL,USD,4,1224.50', 'TOTAL,USD,4,1224.51'),
    T,
  );
  assert.equal(
    load.deadLetters.map(d => d.line),
    [6],
  );
  assert.match(
    load.deadLetters[0]!.reason,
    /TOTAL,USD does not match its groups \(groups: count 4, amount 1224.50\)/,
  );
  assert.is(load.cells, undefined);
});

test('a wrong header rejects the whole file at line 1; an empty file is reported too', () => {
  const load = dailySummaryLoad(
    FILE,
    '2024-03-01',
    GOOD.replace('amount_sum', 'amount'),
    T,
  );
  assert.is(load.cells, undefined);
  assert.equal(
    load.deadLetters.map(d => d.line),
    [1],
  );
  const empty = dailySummaryLoad(FILE, '2024-03-01', '', T);
  assert.is(empty.cells, undefined);
  assert.is(empty.deadLetters.length, 1);
});

test('dead letters encode as CSV with quoting', () => {
  assert.is(
    encodeDeadLetters([{file: 'f.csv', line: 3, reason: 'a "b", c'}]),
    'file,line,reason\nf.csv,3,"a ""b"", c"\n',
  );
});

test.run();
