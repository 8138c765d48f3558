/**
 * `npm run changelog -- --row KEY | --from T --to T`: txn_tbl's changes, read from the change-log
 * archive. Exit codes: 0 printed (also when there is nothing to print), 1 the archive could not be
 * read, 2 bad flags or environment.
 */
import {describeChange, formatChange} from '../core/changelog/describe-change';
import {readChanges} from '../core/changelog/read-archive';
import {readCommandLine} from '../core/command-line';
import {defaultResources} from '../core/resources';
import {openObjectStore, storageClient} from '../core/storage/open';
import {
  type ChangelogOptions,
  parseChangelogCommand,
  USAGE,
} from './changelog-options';

async function show(options: ChangelogOptions): Promise<number> {
  const archive = openObjectStore(
    options.archiveUri,
    storageClient(options.project, options.storageApiEndpoint),
  );
  const txn = defaultResources(options.project ?? 'local').bigtable.txn;
  const report = await readChanges(archive, {
    from: options.from,
    to: options.to,
    ...(options.rowKey ? {rowKey: options.rowKey} : {}),
  });
  for (const record of report.changes) {
    const change = describeChange(record, txn);
    process.stdout.write(
      `${options.json ? JSON.stringify(change) : formatChange(change)}\n`,
    );
  }
  process.stderr.write(
    `changelog: ${report.changes.length} changes from ${report.objectsRead} objects of ${archive.location}` +
      ` (${options.from.toISOString()} to ${options.to.toISOString()}; ${report.duplicates} duplicates shown once)\n`,
  );
  return 0;
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const parsed = readCommandLine('changelog', USAGE, () =>
    parseChangelogCommand(argv, env),
  );
  if (typeof parsed === 'number') return parsed;
  try {
    return await show(parsed.options);
  } catch (error) {
    process.stderr.write(
      `changelog: reading the archive failed: ${(error as Error).message}\n`,
    );
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), process.env).then(code => {
    process.exitCode = code;
  });
}
