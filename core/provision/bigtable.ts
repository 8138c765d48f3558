import type {Bigtable} from '@google-cloud/bigtable';
import type {Resources} from '../resources';
import {createIfAbsent} from './already-exists';

export interface TableSpec {
  id: string;
  families: string[];
}

/** The tables of `Resources.bigtable` with their column families. */
export function bigtableTableSpecs(
  resources: Resources['bigtable'],
): TableSpec[] {
  return [resources.txn, resources.summaries, resources.state].map(table => ({
    id: table.id,
    families: Object.values(table.families),
  }));
}

/**
 * Every family keeps only its newest cell: transaction facts are written once, delivery marks,
 * summaries and pipeline state are overwritten. (The emulator stores the rule but does not apply
 * it, so readers still filter with a cell limit.)
 */
const KEEP_LATEST = {versions: 1};

/**
 * Creates the tables and any missing column families in the instance. The instance itself is
 * created by deploy (gcloud); the emulator accepts any instance id. Safe to repeat.
 */
export async function provisionBigtable(
  bigtable: Bigtable,
  resources: Resources['bigtable'],
): Promise<void> {
  const instance = bigtable.instance(resources.instance);
  await Promise.all(
    bigtableTableSpecs(resources).map(async spec => {
      const table = instance.table(spec.id);
      const [exists] = await table.exists();
      if (!exists) {
        const families = spec.families.map(name => ({name, rule: KEEP_LATEST}));
        const result = await createIfAbsent(() =>
          instance.createTable(spec.id, {families}),
        );
        if (result === 'created') return;
      }
      const [present] = await table.getFamilies();
      const presentIds = new Set(present.map(family => family.id));
      for (const name of spec.families) {
        if (!presentIds.has(name))
          await createIfAbsent(() =>
            table.createFamily(name, {rule: KEEP_LATEST}),
          );
      }
    }),
  );
}
