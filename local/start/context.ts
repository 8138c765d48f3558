import type { Day } from '../../core/day';
import type { AvroTopicTally } from '../../core/reconcile/avro-topic-totals';
import type { Reconciliation } from '../../core/reconcile/reconcile';
import type { Resources } from '../../core/resources';
import type { Platform } from '../platform';
import type { FunctionName, ServedFunction } from '../served-function';
import type { StartOptions } from './options';

/** A fault `--chaos` injected, for the report. */
export interface InjectedFault {
  at: string;
  kind: 'function-killed' | 'push-duplicated' | 'push-delayed' | 'mariadb-restarted';
  detail: string;
}

/** What the phases share: each phase reads what earlier ones set up and adds its own. */
export interface StartContext {
  options: StartOptions;
  days: Day[];
  resources: Resources;
  /** The repository root (dist/ lives there). */
  root: string;
  platform?: Platform;
  /** The environment every part is given: the platform's variables and the resource names. */
  env: Record<string, string>;
  functions: Partial<Record<FunctionName, ServedFunction>>;
  faults: InjectedFault[];
  /** What the AVRO topic's check subscription received (the `publish` phase). */
  avroTopic?: AvroTopicTally;
  reconciliation?: Reconciliation;
  /** Where the replicate subscription should push instead of the function itself (`--chaos`). */
  pushTarget?: () => string;
  /** Run when the run ends however it ends, last added first. */
  cleanups: Array<() => Promise<void>>;
}
