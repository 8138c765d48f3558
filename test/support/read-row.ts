import type {CellEntry} from '../../core/bigtable/raw-entry';
import type {ReadRow} from '../../core/bigtable/read-rows';

/** What the Bigtable client hands back for a written entry: one-cell lists, timestamps in microseconds. */
export function asReadRow(entry: CellEntry): ReadRow {
  const data: ReadRow['data'] = {};
  for (const [family, columns] of Object.entries(entry.data)) {
    data[family] = {};
    for (const [qualifier, cell] of Object.entries(columns))
      data[family]![qualifier] = [
        {value: cell.value, timestamp: cell.timestamp.getTime() * 1000},
      ];
  }
  return {id: entry.key, data};
}
