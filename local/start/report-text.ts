import {
  formatReconciliation,
  reconciliationJson,
} from '../../core/reconcile/format';
import type {LateData, StartContext} from './context';
import type {PhaseTiming} from './phase';

export interface StartReport {
  context: StartContext;
  phases: PhaseTiming[];
  totalMs: number;
  htmlPath: string | undefined;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The phase table: time, items and rate of each phase, then the total. */
export function formatPhases(phases: PhaseTiming[], totalMs: number): string {
  const lines = [
    `${'phase'.padEnd(20)}${'time'.padStart(9)}${'items'.padStart(22)}${'rate'.padStart(14)}  detail`,
  ];
  for (const p of phases) {
    const items =
      p.items === undefined
        ? ''
        : `${p.items.toLocaleString('en-US')} ${p.unit ?? ''}`;
    const rate =
      p.rate === undefined ? '' : `${p.rate.toLocaleString('en-US')}/s`;
    lines.push(
      `${p.name.padEnd(20)}${seconds(p.ms).padStart(9)}${items.padStart(22)}${rate.padStart(14)}  ${p.detail ?? ''}`.trimEnd(),
    );
  }
  lines.push(`${'total'.padEnd(20)}${seconds(totalMs).padStart(9)}`);
  return lines.join('\n');
}

/** The whole report for a terminal; its last line is `reconciled` or the days that differ. */
export function formatStartReport(report: StartReport): string {
  const {context} = report;
  const {days, options} = context;
  const lines = [
    `npm start: ${days.length} days (${days[0]}..${days[days.length - 1]}), ${options.perHour} transactions an hour, flex runner ${options.runner}${options.chaos ? ', chaos' : ''}${options.late ? `, ${options.late} late hours` : ''}`,
    '',
    formatPhases(report.phases, report.totalMs),
    '',
  ];
  if (options.chaos) {
    lines.push(`faults injected: ${context.faults.length}`);
    for (const fault of context.faults)
      lines.push(`  ${fault.at}  ${fault.kind.padEnd(18)} ${fault.detail}`);
    lines.push('');
  }
  if (context.late) lines.push(...formatLate(context.late), '');
  if (report.htmlPath) lines.push(`report: ${report.htmlPath}`, '');
  lines.push(formatReconciliation(context.reconciliation!));
  return lines.join('\n');
}

/** The late hours injected and each restated day with its old and new totals. */
export function formatLate(late: LateData): string[] {
  const lines = [
    `late hours injected: ${late.hours.length} (${late.transactions.toLocaleString('en-US')} transactions): ${late.hours.join(', ')}`,
  ];
  lines.push(`days restated: ${late.restated.length}`);
  for (const {day, oldTotals, newTotals} of late.restated) {
    lines.push(
      `  ${day}  ${oldTotals.transactions} -> ${newTotals.transactions} transactions`,
    );
    for (const currency of Object.keys(newTotals.byCurrency).sort()) {
      const before = oldTotals.byCurrency[currency];
      const after = newTotals.byCurrency[currency]!;
      lines.push(
        `    ${currency}  ${before ? `${before.count} (${before.amount})` : '0'} -> ${after.count} (${after.amount})`,
      );
    }
  }
  return lines;
}

export function startReportJson(report: StartReport) {
  const {context} = report;
  return {
    days: context.days,
    perHour: context.options.perHour,
    runner: context.options.runner,
    chaos: context.options.chaos,
    phases: report.phases,
    totalMs: report.totalMs,
    faults: context.faults,
    late: context.late
      ? {
          hours: context.late.hours.length,
          slots: context.late.hours,
          transactions: context.late.transactions,
          restated: context.late.restated,
        }
      : null,
    reportHtml: report.htmlPath ?? null,
    reconciliation: reconciliationJson(context.reconciliation!),
    verdict: context.reconciliation!.ok
      ? 'reconciled'
      : `differs: ${context.reconciliation!.differing.join(', ')}`,
  };
}
