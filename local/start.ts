/**
 * `npm start [-- --days N --per-hour N --runner=direct|portable --json --chaos --late N --report PATH]`:
 * the whole pipeline on this machine (local/start/phases.ts), then a reconciled report.
 * Exit codes: 0 reconciled; 1 a day differs or a phase failed; 2 bad flags. Ctrl-C stops
 * everything it started (the platform's signal hooks; every child runs under pdeathsig too).
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {UsageError} from '../core/command-line';
import {defaultResources} from '../core/resources';
import {LOCAL_PROJECT} from './platform';
import type {StartContext} from './start/context';
import {START_USAGE, parseStartOptions} from './start/options';
import {runPhases} from './start/phase';
import {startPhases} from './start/phases';
import {quietDisplay, terminalDisplay} from './start/progress';
import {chartDays, renderReportHtml} from './start/report-html';
import {formatStartReport, startReportJson} from './start/report-text';
import {simulatedDays} from './start/simulated-days';

const root = join(__dirname, '..');

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseStartOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`npm start: ${error.message}\n\n${START_USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(START_USAGE);
    return 0;
  }
  const began = performance.now();
  const context: StartContext = {
    options,
    days: simulatedDays(options.days, new Date()),
    resources: defaultResources(LOCAL_PROJECT),
    root,
    env: {},
    functions: {},
    faults: [],
    cleanups: [],
  };
  const display = process.stderr.isTTY ? terminalDisplay() : quietDisplay;
  try {
    const phases = await runPhases(startPhases(options), context, display);
    const totalMs = Math.round(performance.now() - began);
    const htmlPath = resolve(
      options.reportPath ?? join(root, '.local', 'start', 'report.html'),
    );
    const verdict = context.reconciliation!.ok
      ? 'reconciled'
      : `differs: ${context.reconciliation!.differing.join(', ')}`;
    mkdirSync(dirname(htmlPath), {recursive: true});
    writeFileSync(
      htmlPath,
      renderReportHtml({
        days: chartDays(context.reconciliation!),
        phases,
        faults: context.faults,
        verdict,
        title: `finserv-pipeline: ${context.days[0]}..${context.days[context.days.length - 1]}`,
      }),
    );
    const report = {context, phases, totalMs, htmlPath};
    process.stdout.write(
      options.json
        ? `${JSON.stringify(startReportJson(report), null, 2)}\n`
        : `${formatStartReport(report)}\n`,
    );
    return context.reconciliation!.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`npm start: ${(error as Error).message}\n`);
    return 1;
  } finally {
    for (const cleanup of context.cleanups.reverse())
      await cleanup().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `npm start: ${(error as Error)?.stack ?? String(error)}\n`,
    );
    process.exit(1);
  },
);
