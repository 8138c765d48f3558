import type {Day} from '../../core/day';
import type {
  AvroTopicTally,
  avroTopicTally,
} from '../../core/reconcile/avro-topic-totals';
import type {Reconciliation} from '../../core/reconcile/reconcile';
import type {Totals} from '../../core/summary/daily-summary';
import type {Resources} from '../../core/resources';
import type {Platform} from '../platform';
import type {FunctionName, ServedFunction} from '../served-function';
import type {StartOptions} from './options';

/** A fault `--chaos` injected, for the report. */
export interface InjectedFault {
  at: string;
  kind:
    | 'function-killed'
    | 'push-duplicated'
    | 'push-delayed'
    | 'mariadb-restarted';
  detail: string;
}

/** A day the daily job wrote a new version of, with the totals of the version it replaced. */
export interface RestatedDay {
  day: Day;
  oldTotals: Totals;
  newTotals: Totals;
}

/** What `--late N` did: the hours backfilled and the days the daily job restated for them. */
export interface LateData {
  hours: string[];
  transactions: number;
  restated: RestatedDay[];
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
  /** The check subscription's counter, kept so that a second reading counts each transaction once. */
  avroCounter?: ReturnType<typeof avroTopicTally>;
  /** Set by the `late` phases (`--late N`). */
  late?: LateData;
  reconciliation?: Reconciliation;
  /** Where the replicate subscription should push instead of the function itself (`--chaos`). */
  pushTarget?: () => string;
  /** Run when the run ends however it ends, last added first. */
  cleanups: Array<() => Promise<void>>;
}
