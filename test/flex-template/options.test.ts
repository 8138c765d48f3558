import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  OptionsError,
  REQUIRED_PARAMETERS,
  TEMPLATE_PARAMETERS,
  USAGE,
  VALIDATORS,
  parseFlexCommand,
  parseOptions,
} from '../../flex-template/options';

interface Parameter {
  name: string;
  label: string;
  helpText: string;
  isOptional?: boolean;
  regexes?: string[];
}
const metadata = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, '../../flex-template/metadata.json'),
    'utf8',
  ),
) as {
  name: string;
  description: string;
  parameters: Parameter[];
};

/** Sample values per parameter: [good, bad]. */
const SAMPLES: Record<string, [string[], string[]]> = {
  input: [
    [
      'gs://my-bucket/summaries/',
      'gs://my-bucket',
      'gs://a.b_c-d/x/y',
      '/tmp/summaries',
      '/',
    ],
    [
      'my-bucket/summaries',
      'gs://My-Bucket/x',
      'gs://ab/x',
      'gs:///x',
      's3://bucket/x',
      'relative/dir',
      '',
      '/tmp/a\nb',
      'gs://-bucket/x',
    ],
  ],
  errors_prefix: [
    ['gs://my-bucket/summaries/errors/', '/var/errors/'],
    ['errors/', 'gs://UPPER/x', ''],
  ],
  dates_suffixes: [
    [
      'auto',
      '2024-01-31',
      '2024-02-29',
      '2000-02-29',
      '2023-12-31,2024-01-01',
      '2023-04-30,2023-06-30,2023-11-30',
    ],
    [
      'AUTO',
      '',
      '2023-02-29',
      '1900-02-29',
      '2100-02-29',
      '2023-04-31',
      '2023-13-01',
      '2023-00-10',
      '2023-01-00',
      '2023-1-1',
      '2023-01-01,',
      ',2023-01-01',
      '2023-01-01, 2023-01-02',
      'auto,2023-01-01',
      '0999-01-01',
      '20230101',
    ],
  ],
  threshold_low: [
    ['0', '1', '100', '999999999999999'],
    ['-1', '01', '1.5', '1e3', '', ' 1', '1000000000000000', 'ten'],
  ],
  threshold_high: [
    ['0', '1000', '5000'],
    ['-5', '007', 'x'],
  ],
  bigtable_project: [
    ['my-project', 'finserv-prod-1', 'abcdef'],
    ['My-Project', 'abc', '1project', 'project-', 'a'.repeat(31), 'my_project'],
  ],
  bigtable_instance: [
    ['fin-bt', 'test-instance-1', 'a' + 'b'.repeat(32)],
    ['fin', 'Fin-bt', 'fin-bt-', '9instance', 'a'.repeat(34)],
  ],
  bigtable_table: [
    ['daily_transactions_summaries_from_csv', 'T.1-x', 'a'.repeat(50)],
    ['', 'a b', 'a/b', 'a'.repeat(51)],
  ],
};

test('metadata.json has a name, a description and complete parameter entries', () => {
  assert.ok(metadata.name && metadata.description);
  for (const p of metadata.parameters) {
    assert.ok(
      p.name && p.label && p.helpText,
      `${p.name} has name, label and helpText`,
    );
    assert.type(p.isOptional, 'boolean', `${p.name}.isOptional is explicit`);
    assert.ok(p.regexes && p.regexes.length > 0, `${p.name} has a regex`);
  }
});

test('metadata.json and the option parser name the same parameters, with the same optionality', () => {
  assert.equal(
    metadata.parameters.map(p => p.name),
    [...TEMPLATE_PARAMETERS],
  );
  const requiredInMetadata = metadata.parameters
    .filter(p => !p.isOptional)
    .map(p => p.name);
  assert.equal(requiredInMetadata, [...REQUIRED_PARAMETERS]);
  for (const name of TEMPLATE_PARAMETERS)
    assert.ok(SAMPLES[name], `samples exist for ${name}`);
});

test('an optional parameter may be left out; a required one may not', () => {
  const base = [
    '--input=gs://bucket-x/summaries/',
    '--bigtable_project=my-project',
  ];
  assert.not.throws(() => parseOptions(base));
  for (const name of REQUIRED_PARAMETERS) {
    const argv = base.filter(a => !a.startsWith(`--${name}=`));
    assert.throws(
      () => parseOptions(argv),
      (e: unknown) => e instanceof OptionsError && e.option === name,
    );
  }
});

test('metadata regexes and the parser accept and reject the same sample values', () => {
  for (const p of metadata.parameters) {
    const regexes = p.regexes!.map(r => new RegExp(r));
    const [good, bad] = SAMPLES[p.name]!;
    for (const value of [...good, ...bad]) {
      const byMetadata = regexes.every(r => r.test(value));
      const byParser =
        VALIDATORS[p.name as keyof typeof VALIDATORS](value) === undefined;
      const expected = good.includes(value);
      assert.is(
        byMetadata,
        expected,
        `metadata regex on ${p.name}=${JSON.stringify(value)}`,
      );
      assert.is(
        byParser,
        expected,
        `parser on ${p.name}=${JSON.stringify(value)}`,
      );
      // And through the whole parser, as a flag.
      const argv = [`--${p.name}=${value}`];
      if (p.name !== 'bigtable_project')
        argv.push('--bigtable_project=my-project');
      if (p.name !== 'input') argv.push('--input=/data/summaries/');
      if (p.name === 'threshold_low')
        argv.push('--threshold_high=999999999999999');
      if (p.name === 'threshold_high') argv.push('--threshold_low=0');
      let parsed = true;
      try {
        parseOptions(argv);
      } catch (err) {
        if (!(err instanceof OptionsError) || err.option !== p.name) throw err;
        parsed = false;
      }
      assert.is(
        parsed,
        expected,
        `parseOptions with --${p.name}=${JSON.stringify(value)}`,
      );
    }
  }
});

test('parsed options: defaults, normalisation, runner options', () => {
  const o = parseOptions(
    [
      '--input',
      'gs://bucket-x/summaries',
      '--dates_suffixes=2024-01-02,2024-01-01,2024-01-02',
      '--runner=DataflowRunner',
      '--temp_location=gs://bucket-x/tmp',
      '--region=europe-west1',
    ],
    {GOOGLE_CLOUD_PROJECT: 'env-project'},
  );
  assert.is(o.input, 'gs://bucket-x/summaries/');
  assert.is(o.errorsPrefix, 'gs://bucket-x/summaries/errors/');
  assert.equal(o.dates, {kind: 'dates', dates: ['2024-01-01', '2024-01-02']});
  assert.equal(o.bigtable, {
    project: 'env-project',
    instance: 'fin-bt',
    table: 'daily_transactions_summaries_from_csv',
  });
  assert.is(o.runner, 'dataflow');
  assert.equal(o.runnerOptions, {
    tempLocation: 'gs://bucket-x/tmp',
    region: 'europe-west1',
  });
  assert.is(o.thresholdLow, 100);
  assert.is(o.thresholdHigh, 1000);
  assert.equal(parseOptions(['--input=/d', '--project=p-roject']).dates, {
    kind: 'auto',
  });
  assert.is(
    parseOptions(['--input=/d', '--project=p-roject']).bigtable.project,
    'p-roject',
  );
});

test('errors name the option: unknown flags, bad runner, thresholds out of order, missing project', () => {
  const has = (argv: string[], option: string) =>
    assert.throws(
      () => parseOptions(argv),
      (e: unknown) =>
        e instanceof OptionsError &&
        e.option === option &&
        e.code === 'FLEX_BAD_OPTION',
    );
  has(['--input=/d', '--project=my-project', '--inptu=/x'], 'inptu');
  has(['--input=/d', '--project=my-project', '--runner=spark'], 'runner');
  has(
    [
      '--input=/d',
      '--project=my-project',
      '--threshold_low=10',
      '--threshold_high=5',
    ],
    'threshold_low',
  );
  has(['--input=/d'], 'bigtable_project');
  has(['--input=/d', '--input=/e', '--project=my-project'], 'input');
});

test('runner options carry the types the Dataflow job service reads them with', () => {
  const o = parseOptions([
    '--input=/d',
    '--project=my-project',
    '--num_workers=1',
    '--max_num_workers=10',
    '--use_public_ips=false',
    '--experiments=a,b=1',
    '--dataflow_service_options=enable_prime',
    '--labels=team=fin,app=x',
    '--machine_type=n2-standard-2',
  ]);
  assert.equal(o.runnerOptions, {
    project: 'my-project',
    numWorkers: 1,
    maxNumWorkers: 10,
    usePublicIps: false,
    experiments: ['a', 'b=1'],
    dataflowServiceOptions: ['enable_prime'],
    labels: ['team=fin', 'app=x'],
    machineType: 'n2-standard-2',
  });
  assert.equal(
    parseOptions(['--input=/d', '--project=my-project', '--no_use_public_ips'])
      .runnerOptions.usePublicIps,
    false,
  );
  assert.equal(
    parseOptions([
      '--input=/d',
      '--project=my-project',
      '--labels={"team": "fin,ops"}',
    ]).runnerOptions.labels,
    ['{"team": "fin,ops"}'],
  );
  const bad = (flag: string, option: string) =>
    assert.throws(
      () => parseOptions(['--input=/d', '--project=my-project', flag]),
      (e: unknown) => e instanceof OptionsError && e.option === option,
    );
  bad('--num_workers=1.5', 'num_workers');
  bad('--use_public_ips=no', 'use_public_ips');
});

test('under the flex launcher, unknown flags become pipeline options instead of errors', () => {
  const o = parseOptions(
    [
      '--input=/d',
      '--project=my-project',
      '--someLauncherOption=x',
      '--dataflow_endpoint=y',
    ],
    {FLEX_TEMPLATE_LAUNCHER: '1'},
  );
  assert.equal(o.runnerOptions, {
    project: 'my-project',
    someLauncherOption: 'x',
    dataflowEndpoint: 'y',
  });
  assert.throws(
    () =>
      parseOptions(
        ['--input=/d', '--project=my-project', '--threshold_low=x'],
        {FLEX_TEMPLATE_LAUNCHER: '1'},
      ),
    /threshold_low/,
  );
});

test('--help is answered, every parameter is in the usage; spellings fold; a stray argument is refused', () => {
  assert.equal(parseFlexCommand(['--help']), {help: true});
  assert.equal(
    parseFlexCommand(['--input=/d', '--help'], {FLEX_TEMPLATE_LAUNCHER: '1'}),
    {help: true},
  );
  for (const name of TEMPLATE_PARAMETERS) assert.match(USAGE, `--${name}=`);
  for (const flag of [
    '--tempLocation=gs://b-x/t',
    '--temp-location=gs://b-x/t',
    '--temp_location=gs://b-x/t',
  ]) {
    assert.equal(
      parseOptions(['--input=/d', '--project=my-project', flag]).runnerOptions
        .tempLocation,
      'gs://b-x/t',
    );
  }
  assert.throws(
    () => parseOptions(['--input=/d', '--project=my-project', 'stray']),
    (e: unknown) =>
      e instanceof OptionsError &&
      /Unexpected argument 'stray'/.test(e.message),
  );
});

test.run();
