import type {Table} from '@google-cloud/bigtable';
import type {StateTableSchema} from '../resources';

/**
 * A lease per salt bucket in `pipeline_state` (`publication_lease#N`), taken and renewed with
 * conditional mutations (CheckAndMutateRow), so two concurrent publication runs work on different
 * buckets instead of publishing the same rows. The lease is a cell holding the owner, stamped with
 * the time it was taken or renewed; a cell older than the TTL counts as free (its run died).
 */
export class LeaseLostError extends Error {
  readonly code = 'PUBLICATION_LEASE_LOST';
}

const OWNER = 'owner';

export class SaltLeases {
  constructor(
    private readonly state: Table,
    private readonly schema: StateTableSchema,
    readonly owner: string,
    private readonly ttlMs: number,
  ) {
    if (!/^[a-z0-9-]+$/.test(owner))
      throw new Error(
        `lease owner "${owner}" must be [a-z0-9-] (it is matched as a regex)`,
      );
  }

  private row(salt: number) {
    return this.state.row(`publication_lease#${String(salt).padStart(2, '0')}`);
  }

  private ownerCell() {
    return {
      [this.schema.families.state]: {
        [OWNER]: {value: this.owner, timestamp: new Date()},
      },
    };
  }

  private fresh() {
    return {time: {start: new Date(Date.now() - this.ttlMs)}};
  }

  /** True when this run now holds the bucket's lease; false when another live run does. */
  async acquire(salt: number): Promise<boolean> {
    const [held] = await this.row(salt).filter(
      [
        {family: this.schema.families.state},
        {column: OWNER},
        {column: {cellLimit: 1}},
        this.fresh(),
      ],
      {
        onNoMatch: [{method: 'insert', data: this.ownerCell()}],
      },
    );
    return !held;
  }

  /** The newest owner cell is this run's: nobody took the lease over, even if it ran late. */
  private mine() {
    return [
      {family: this.schema.families.state},
      {column: OWNER},
      {column: {cellLimit: 1}},
      {value: this.owner},
    ];
  }

  /** Extends the lease; throws LeaseLostError if another run has taken it over. */
  async renew(salt: number): Promise<void> {
    const [mine] = await this.row(salt).filter(this.mine(), {
      onMatch: [{method: 'insert', data: this.ownerCell()}],
    });
    if (!mine)
      throw new LeaseLostError(
        `the publication lease of salt ${salt} was taken over by another run (this one ran past its TTL): stopping that bucket`,
      );
  }

  async release(salt: number): Promise<void> {
    await this.row(salt).filter(this.mine(), {
      onMatch: [
        {method: 'delete', data: [`${this.schema.families.state}:${OWNER}`]},
      ],
    });
  }
}
