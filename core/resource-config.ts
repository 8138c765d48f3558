import type {EnvReader} from './config';
import type {Resources} from './resources';

const BIGTABLE_ID = /^[A-Za-z0-9_.-]{1,50}$/;

/**
 * The Bigtable names a part may be pointed at: BIGTABLE_INSTANCE, TXN_TABLE, STATE_TABLE and
 * SUMMARY_TABLE, each defaulting to the resource's own name.
 */
export function readBigtableNames(
  read: EnvReader,
  defaults: Resources['bigtable'],
): Resources['bigtable'] {
  const id = (name: string, fallback: string) =>
    read.string(name, {
      default: fallback,
      pattern: BIGTABLE_ID,
      description: 'a Bigtable id',
    });
  return {
    ...defaults,
    instance: id('BIGTABLE_INSTANCE', defaults.instance),
    txn: {...defaults.txn, id: id('TXN_TABLE', defaults.txn.id)},
    state: {...defaults.state, id: id('STATE_TABLE', defaults.state.id)},
    summaries: {
      ...defaults.summaries,
      id: id('SUMMARY_TABLE', defaults.summaries.id),
    },
  };
}
