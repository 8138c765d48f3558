/**
 * `npm run reconcile -- --from yyyy-mm-dd --to yyyy-mm-dd [--json]`: compares Cloud SQL, txn_tbl,
 * the summary CSVs and the summary table day by day, against whatever environment the variables
 * name (core/reconcile/config.ts). Exit codes: 0 reconciled; 1 a day differs; 2 bad flags or
 * environment.
 */
import {parseFlags} from '../core/command-line';
import {ConfigError} from '../core/config';
import {isDay} from '../core/day';
import {readReconcileConfig} from '../core/reconcile/config';
import {
  formatReconciliation,
  reconciliationJson,
} from '../core/reconcile/format';
import {reconcile} from '../core/reconcile/reconcile';
import {openReconcileSources} from '../core/reconcile/sources';

const USAGE =
  'usage: npm run reconcile -- --from yyyy-mm-dd --to yyyy-mm-dd [--json]';

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values;
  let config;
  try {
    let help;
    ({help, values} = parseFlags(argv, {
      from: {type: 'string'},
      to: {type: 'string'},
      json: {type: 'boolean', default: false},
    }));
    if (help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    for (const flag of ['from', 'to'] as const)
      if (!isDay(values[flag]))
        throw new Error(
          `--${flag} must be a day yyyy-mm-dd, got ${JSON.stringify(values[flag] ?? null)}`,
        );
    if (values.from! > values.to!)
      throw new Error(`--from ${values.from} is after --to ${values.to}`);
    config = readReconcileConfig(env);
  } catch (error) {
    process.stderr.write(
      `reconcile: ${(error as Error).message}\n${error instanceof ConfigError ? '' : `${USAGE}\n`}`,
    );
    return 2;
  }
  const sources = await openReconcileSources(config);
  try {
    const result = await reconcile(sources, values.from!, values.to!);
    process.stdout.write(
      values.json
        ? `${JSON.stringify(reconciliationJson(result), null, 2)}\n`
        : `${formatReconciliation(result)}\n`,
    );
    return result.ok ? 0 : 1;
  } finally {
    await sources.close();
  }
}

main(process.argv.slice(2), process.env).then(
  code => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `reconcile: ${(error as Error)?.stack ?? String(error)}\n`,
    );
    process.exit(1);
  },
);
