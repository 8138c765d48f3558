/** The summaries table a run writes: the project's default layout under the table id it was given. */
import {defaultResources, type SummaryTableSchema} from '../core/resources';

export function summaryTableOf(bigtable: {
  project: string;
  table: string;
}): SummaryTableSchema {
  return {
    ...defaultResources(bigtable.project).bigtable.summaries,
    id: bigtable.table,
  };
}
