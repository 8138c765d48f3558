/**
 * The flex template's options, parsed once at the edge into a typed object.
 *
 * Template parameters (the ones in metadata.json) are validated here with code of their own; the
 * test in test/flex-template/options.test.ts checks that this parser and metadata.json's regexes
 * agree on the same sample values. Runner options (`--runner`, `--project`, `--region`, ... as the
 * Dataflow launcher passes them) are collected separately and handed to Beam's runner.
 */
import {parseFlags, UsageError} from '../core/command-line';
import {isDay} from '../core/day';
import {defaultResources} from '../core/resources';

export type Runner = 'direct' | 'universal' | 'portable' | 'dataflow';
export type DatesSelection = {kind: 'auto'} | {kind: 'dates'; dates: string[]};

export interface FlexOptions {
  /** Where the summary CSVs are: `gs://bucket/prefix/` or an absolute local directory, ending in `/`. */
  input: string;
  dates: DatesSelection;
  /** Where dead letters go, ending in `/`. */
  errorsPrefix: string;
  thresholdLow: number;
  thresholdHigh: number;
  bigtable: {project: string; instance: string; table: string};
  runner: Runner;
  /** Everything else for Beam's runner, camelCased (`temp_location` -> `tempLocation`), typed. */
  runnerOptions: Record<string, RunnerOptionValue>;
}

export class OptionsError extends Error {
  readonly code = 'FLEX_BAD_OPTION';
  constructor(
    readonly option: string,
    message: string,
  ) {
    // parseFlags' messages name the flag already (or, for a stray argument, have none to name).
    super(
      option === '' || message.includes(`--${option}`)
        ? message
        : `--${option}: ${message}`,
    );
    this.name = 'OptionsError';
  }
}

/** The template parameters, in metadata.json order. */
export const TEMPLATE_PARAMETERS = [
  'input',
  'dates_suffixes',
  'errors_prefix',
  'threshold_low',
  'threshold_high',
  'bigtable_project',
  'bigtable_instance',
  'bigtable_table',
] as const;
export type TemplateParameter = (typeof TEMPLATE_PARAMETERS)[number];

export const REQUIRED_PARAMETERS: readonly TemplateParameter[] = ['input'];

export const DEFAULTS = {
  dates_suffixes: 'auto',
  threshold_low: 100,
  threshold_high: 1000,
  bigtable_instance: defaultResources('unused').bigtable.instance,
  bigtable_table: defaultResources('unused').bigtable.summaries.id,
};

export const USAGE = `Usage: npm run flex-template -- --input=LOCATION [--PARAMETER=VALUE ...] [--RUNNER_OPTION=VALUE ...]

Loads the daily summary CSVs under --input into the Bigtable summary table, with Beam (the
Dataflow flex template's pipeline; its launcher passes the parameters of metadata.json).

Template parameters:
  --input=LOCATION            gs://bucket/prefix/ or an absolute directory of summary CSVs (required)
  --dates_suffixes=auto|DAYS  auto (default): dates not loaded yet; or yyyy-mm-dd,yyyy-mm-dd,...
  --errors_prefix=LOCATION    where rejected rows go (default <input>errors/)
  --threshold_low=N           below: LOW (default ${DEFAULTS.threshold_low})
  --threshold_high=N          at or above: HIGH (default ${DEFAULTS.threshold_high})
  --bigtable_project=ID       default --project, else GOOGLE_CLOUD_PROJECT
  --bigtable_instance=ID      default ${DEFAULTS.bigtable_instance}
  --bigtable_table=ID         default ${DEFAULTS.bigtable_table}

Runner options (camelCase or snake_case):
  --runner=direct|universal|portable|dataflow   default direct
  --project, --region, --temp_location, --staging_location, --template_location,
  --sdk_container_image (IMAGE@sha256:..., or FLEX_WORKER_IMAGE), --job_endpoint (portable),
  --num_workers, --max_num_workers, --machine_type, --labels, --experiments, ... (see options.ts)
  --help                      print this text
`;

export type RunnerOptionValue = string | number | boolean | string[];

/**
 * Pipeline options the Dataflow launcher (or a person) may pass; not template parameters. Each
 * has the type Beam's Python job service reads it with: the TypeScript runner sends values as
 * they are, and a string where Python wants an int or a bool is refused or (a bool) read wrong.
 * `list`: comma-separated, sent as a list (Python's repeated flag). `labels`: `k=v,k2=v2` or a
 * JSON object.
 */
const RUNNER_OPTIONS: Record<
  string,
  'string' | 'int' | 'bool' | 'list' | 'labels'
> = {
  runner: 'string',
  project: 'string',
  region: 'string',
  job_name: 'string',
  temp_location: 'string',
  staging_location: 'string',
  template_location: 'string',
  sdk_container_image: 'string',
  worker_harness_container_image: 'string',
  service_account_email: 'string',
  network: 'string',
  subnetwork: 'string',
  num_workers: 'int',
  max_num_workers: 'int',
  disk_size_gb: 'int',
  number_of_worker_harness_threads: 'int',
  machine_type: 'string',
  worker_machine_type: 'string',
  worker_region: 'string',
  worker_zone: 'string',
  autoscaling_algorithm: 'string',
  labels: 'labels',
  experiments: 'list',
  dataflow_service_options: 'list',
  use_public_ips: 'bool',
  no_use_public_ips: 'bool',
  dataflow_kms_key: 'string',
  kms_key: 'string',
  dataflow_endpoint: 'string',
  enable_streaming_engine: 'bool',
  job_endpoint: 'string',
  environment_type: 'string',
  environment_config: 'string',
  save_main_session: 'bool',
  sdk_location: 'string',
  setup_file: 'string',
  requirements_file: 'string',
};

const camelCase = (name: string) =>
  name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** One runner option's value with its type, or an OptionsError naming it. */
function runnerOptionValue(name: string, value: string): RunnerOptionValue {
  switch (RUNNER_OPTIONS[name] ?? 'string') {
    case 'int':
      if (!/^(0|[1-9]\d{0,8})$/.test(value))
        throw new OptionsError(
          name,
          `${JSON.stringify(value)} is invalid: want a non-negative integer`,
        );
      return Number(value);
    case 'bool':
      if (value !== 'true' && value !== 'false')
        throw new OptionsError(
          name,
          `${JSON.stringify(value)} is invalid: want true or false`,
        );
      return value === 'true';
    case 'list':
      return value.split(',').filter(v => v.length > 0);
    case 'labels':
      return value.trimStart().startsWith('{')
        ? [value]
        : value.split(',').filter(v => v.length > 0);
    case 'string':
      return value;
  }
}

/** Typed runner options, camelCased; `no_use_public_ips` becomes `usePublicIps: false`. */
function addRunnerOption(
  runnerOptions: Record<string, RunnerOptionValue>,
  name: string,
  value: string,
): void {
  const typed = runnerOptionValue(name, value);
  if (name === 'no_use_public_ips') {
    if (typed === true) runnerOptions.usePublicIps = false;
    return;
  }
  runnerOptions[camelCase(name)] = typed;
}

const RUNNERS: Record<string, Runner> = {
  direct: 'direct',
  directrunner: 'direct',
  universal: 'universal',
  portable: 'portable',
  portablerunner: 'portable',
  dataflow: 'dataflow',
  dataflowrunner: 'dataflow',
};

/** Beam's spellings `--tempLocation` and `--temp-location` are `--temp_location` here. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`).replace(/-/g, '_');
}

/**
 * The flags, through parseFlags: names snake_cased first, and a boolean given bare
 * (`--no_use_public_ips` with no value after it) given its `=true`. Template parameters and runner
 * options are known; with `acceptOthers` (under the launcher) any other flag is taken too.
 */
function readFlags(
  argv: readonly string[],
  acceptOthers: boolean,
): {help: boolean; flags: Map<string, string>} {
  const options: Record<string, {type: 'string'}> = {};
  for (const name of [...TEMPLATE_PARAMETERS, ...Object.keys(RUNNER_OPTIONS)])
    options[name] = {type: 'string'};
  const args = argv.map((arg, i) => {
    const flag = /^--([^=]+)(=.*)?$/s.exec(arg);
    if (!flag || flag[1] === 'help') return arg;
    const name = snakeCase(flag[1]!);
    const other = !(name in options) && acceptOthers;
    if (other) options[name] = {type: 'string'};
    const bare =
      flag[2] === undefined &&
      (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'));
    return `--${name}${flag[2] ?? (bare && (other || RUNNER_OPTIONS[name] === 'bool') ? '=true' : '')}`;
  });
  try {
    const {help, values} = parseFlags(args, options);
    return {
      help,
      flags: new Map(
        Object.entries(values).filter(
          (entry): entry is [string, string] => entry[1] !== undefined,
        ),
      ),
    };
  } catch (error) {
    if (error instanceof UsageError)
      throw new OptionsError(error.flag ?? '', error.message);
    throw error;
  }
}

/** A real calendar day from the year 1000 on (the template's regex wants four digits, no leading zero). */
function isCalendarDate(value: string): boolean {
  return isDay(value) && value >= '1000';
}

function isLocation(value: string): boolean {
  if (value.startsWith('gs://')) {
    const rest = value.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    if (!/^[a-z0-9][-_.a-z0-9]{1,61}[a-z0-9]$/.test(bucket)) return false;
    return !/[\r\n]/.test(rest);
  }
  return value.startsWith('/') && !/[\r\n]/.test(value);
}

/** Validators per template parameter: a value either passes or gets a sentence saying what is wanted. */
export const VALIDATORS: Record<
  TemplateParameter,
  (value: string) => string | undefined
> = {
  input: v =>
    isLocation(v)
      ? undefined
      : 'want gs://bucket/prefix/ or an absolute directory path',
  errors_prefix: v =>
    isLocation(v)
      ? undefined
      : 'want gs://bucket/prefix/ or an absolute directory path',
  dates_suffixes: v =>
    v === 'auto' || (v.length > 0 && v.split(',').every(isCalendarDate))
      ? undefined
      : 'want "auto" or comma-separated real dates yyyy-mm-dd (no spaces)',
  threshold_low: v =>
    /^(0|[1-9]\d{0,14})$/.test(v) ? undefined : 'want a non-negative integer',
  threshold_high: v =>
    /^(0|[1-9]\d{0,14})$/.test(v) ? undefined : 'want a non-negative integer',
  bigtable_project: v =>
    /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(v)
      ? undefined
      : 'want a project id: 6-30 of a-z 0-9 -, starting with a letter',
  bigtable_instance: v =>
    /^[a-z][-a-z0-9]{4,31}[a-z0-9]$/.test(v)
      ? undefined
      : 'want an instance id: 6-33 of a-z 0-9 -, starting with a letter',
  bigtable_table: v =>
    /^[-_.a-zA-Z0-9]{1,50}$/.test(v)
      ? undefined
      : 'want a table id: 1-50 of a-z A-Z 0-9 _ - .',
};

function asPrefix(location: string): string {
  return location.endsWith('/') ? location : `${location}/`;
}

export type FlexCommand = {help: true} | {help: false; options: FlexOptions};

/**
 * Parses argv (without node and script): `--help`, or FlexOptions. `env` supplies the default
 * Bigtable project (GOOGLE_CLOUD_PROJECT) when neither --bigtable_project nor --project is given,
 * and FLEX_TEMPLATE_LAUNCHER=1 (set by launcher/main.py) makes unknown flags pipeline options.
 */
export function parseFlexCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): FlexCommand {
  const {help, flags} = readFlags(argv, env.FLEX_TEMPLATE_LAUNCHER === '1');
  if (help) return {help: true};
  const params = new Map<TemplateParameter, string>();
  const runnerOptions: Record<string, RunnerOptionValue> = {};
  for (const [name, value] of flags) {
    if ((TEMPLATE_PARAMETERS as readonly string[]).includes(name)) {
      const problem = VALIDATORS[name as TemplateParameter](value);
      if (problem)
        throw new OptionsError(
          name,
          `${JSON.stringify(value)} is invalid: ${problem}`,
        );
      params.set(name as TemplateParameter, value);
    } else if (name in RUNNER_OPTIONS) {
      if (name !== 'runner') addRunnerOption(runnerOptions, name, value);
    } else {
      // Only under Dataflow's launcher (readFlags refuses unknown flags otherwise): the parameters
      // were already checked against metadata.json, and any other flag is a pipeline option of the
      // launcher's, for the job service.
      addRunnerOption(runnerOptions, name, value);
    }
  }
  for (const name of REQUIRED_PARAMETERS) {
    if (!params.has(name)) throw new OptionsError(name, 'is required');
  }

  const runnerName = (flags.get('runner') ?? 'direct').toLowerCase();
  const runner = RUNNERS[runnerName];
  if (!runner)
    throw new OptionsError(
      'runner',
      `unknown runner ${JSON.stringify(runnerName)}: want direct, universal, portable or dataflow`,
    );

  const datesRaw = params.get('dates_suffixes') ?? DEFAULTS.dates_suffixes;
  const dates: DatesSelection =
    datesRaw === 'auto'
      ? {kind: 'auto'}
      : {kind: 'dates', dates: [...new Set(datesRaw.split(','))].sort()};

  const thresholdLow = Number(
    params.get('threshold_low') ?? DEFAULTS.threshold_low,
  );
  const thresholdHigh = Number(
    params.get('threshold_high') ?? DEFAULTS.threshold_high,
  );
  if (thresholdLow > thresholdHigh) {
    throw new OptionsError(
      'threshold_low',
      `${thresholdLow} is above --threshold_high=${thresholdHigh}`,
    );
  }

  const project =
    params.get('bigtable_project') ??
    flags.get('project') ??
    env.GOOGLE_CLOUD_PROJECT;
  if (!project)
    throw new OptionsError(
      'bigtable_project',
      'is required when neither --project nor GOOGLE_CLOUD_PROJECT is set',
    );
  const projectProblem = VALIDATORS.bigtable_project(project);
  if (projectProblem)
    throw new OptionsError(
      'bigtable_project',
      `${JSON.stringify(project)} is invalid: ${projectProblem}`,
    );

  const input = asPrefix(params.get('input')!);
  const options: FlexOptions = {
    input,
    dates,
    errorsPrefix: asPrefix(params.get('errors_prefix') ?? `${input}errors/`),
    thresholdLow,
    thresholdHigh,
    bigtable: {
      project,
      instance: params.get('bigtable_instance') ?? DEFAULTS.bigtable_instance,
      table: params.get('bigtable_table') ?? DEFAULTS.bigtable_table,
    },
    runner,
    runnerOptions,
  };
  return {help: false, options};
}

/** parseFlexCommand for argv that is a run's (tests, benchmarks, npm start): `--help` is an error here. */
export function parseOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): FlexOptions {
  const command = parseFlexCommand(argv, env);
  if (command.help)
    throw new OptionsError('help', 'asks for the usage, not a run');
  return command.options;
}
