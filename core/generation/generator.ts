import type {Faker} from '@faker-js/faker';
import {type Currency, exponentOf} from '../money';
import {
  MAX_AMOUNT_MINOR,
  type Transaction,
  type TransactionType,
  validateTransaction,
} from '../transaction';
import {type Catalog, buildCatalog} from './catalog';
import {HOUR_MS} from '../time';
import {seedOf, transactionId} from './slot';

/**
 * Realistic transactions for one hour slot, a pure function of (batch id, slot, count): the same
 * request always yields the same rows, which is what makes a retried request harmless.
 */
export interface BatchSpec {
  batchId: string;
  slotStart: Date;
  count: number;
}

/** Units of each currency per US dollar: rough, fixed, only for realistic magnitudes. */
const UNITS_PER_USD: Readonly<Record<Currency, number>> = {
  USD: 1,
  EUR: 0.92,
  GBP: 0.79,
  CHF: 0.88,
  CAD: 1.36,
  AUD: 1.52,
  INR: 83,
  JPY: 150,
};

const TYPE_WEIGHTS: ReadonlyArray<{value: TransactionType; weight: number}> = [
  {value: 'purchase', weight: 72},
  {value: 'refund', weight: 3},
  {value: 'transfer', weight: 8},
  {value: 'withdrawal', weight: 7},
  {value: 'deposit', weight: 7},
  {value: 'fee', weight: 3},
];

const FEES = [
  'Monthly account fee',
  'Overdraft fee',
  'Wire transfer fee',
  'Foreign transaction fee',
  'Card replacement fee',
];

let catalog: Catalog | undefined;

export class Generator {
  constructor(private readonly faker: Faker) {}

  /** The catalog is built once per process from its own fixed seed. */
  private catalog(): Catalog {
    catalog ??= buildCatalog(this.faker);
    return catalog;
  }

  /**
   * Synchronous from seeding to the last row, so a shared Faker instance is never re-seeded by a
   * concurrent request halfway through a batch.
   */
  generate(spec: BatchSpec): Transaction[] {
    const world = this.catalog();
    const f = this.faker;
    f.seed(seedOf(spec.batchId));
    const drafts: Array<Omit<Transaction, 'id'>> = [];
    for (let i = 0; i < spec.count; i++) {
      // Activity is skewed: a minority of accounts makes most transactions.
      const account =
        world.accounts[
          Math.floor(
            world.accounts.length * f.number.float({min: 0, max: 1}) ** 2,
          )
        ]!;
      const type = f.helpers.weightedArrayElement(
        TYPE_WEIGHTS as Array<{value: TransactionType; weight: number}>,
      );
      const {merchant, merchantCategory, medianUsd, sigma, roundTo} =
        this.counterparty(world, type);
      drafts.push({
        batchId: spec.batchId,
        occurredAt: new Date(
          spec.slotStart.getTime() + f.number.int({min: 0, max: HOUR_MS - 1}),
        ),
        accountId: account.id,
        merchant,
        merchantCategory,
        type,
        amountMinor: this.amount(medianUsd, sigma, account.currency, roundTo),
        currency: account.currency,
      });
    }
    drafts.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    return drafts.map((draft, index) =>
      validateTransaction({id: transactionId(spec.batchId, index), ...draft}),
    );
  }

  private counterparty(world: Catalog, type: TransactionType) {
    const f = this.faker;
    switch (type) {
      case 'purchase':
      case 'refund': {
        const m = f.helpers.arrayElement(world.merchants);
        return {
          merchant: m.name,
          merchantCategory: m.category,
          medianUsd: type === 'refund' ? m.medianUsd * 0.8 : m.medianUsd,
          sigma: 0.8,
          roundTo: 0,
        };
      }
      case 'transfer':
        return {
          merchant: `Transfer to ${f.person.fullName()}`,
          merchantCategory: 'transfer',
          medianUsd: 350,
          sigma: 1.1,
          roundTo: 0,
        };
      case 'withdrawal':
        return {
          merchant: `ATM ${f.helpers.arrayElement(world.cities)}`,
          merchantCategory: 'cash',
          medianUsd: 120,
          sigma: 0.6,
          roundTo: 20,
        };
      case 'deposit':
        return {
          merchant: `Payroll ${f.helpers.arrayElement(world.employers)}`,
          merchantCategory: 'income',
          medianUsd: 2200,
          sigma: 0.5,
          roundTo: 0,
        };
      case 'fee':
        return {
          merchant: f.helpers.arrayElement(FEES),
          merchantCategory: 'bank_fees',
          medianUsd: 8,
          sigma: 0.6,
          roundTo: 0,
        };
    }
  }

  /** Log-normal around the median, converted to the account's currency, in exact minor units. */
  private amount(
    medianUsd: number,
    sigma: number,
    currency: Currency,
    roundToUsd: number,
  ): bigint {
    const f = this.faker;
    const u1 = f.number.float({min: Number.EPSILON, max: 1});
    const u2 = f.number.float({min: 0, max: 1});
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    let major = medianUsd * Math.exp(sigma * normal) * UNITS_PER_USD[currency];
    if (roundToUsd > 0) {
      // Cash comes in notes: round to a note size of the local currency (20 USD ~ 3000 JPY -> 1000s).
      const note =
        10 **
        Math.max(
          1,
          Math.round(Math.log10(roundToUsd * UNITS_PER_USD[currency])),
        );
      major = Math.max(1, Math.round(major / note)) * note;
    }
    const minor = BigInt(
      Math.max(1, Math.round(major * 10 ** exponentOf(currency))),
    );
    return minor < MAX_AMOUNT_MINOR ? minor : MAX_AMOUNT_MINOR - 1n;
  }
}

/** The generator over the English Faker, loaded on first use (it is large; cold starts skip it). */
export async function loadGenerator(): Promise<Generator> {
  const {faker} = await import('@faker-js/faker/locale/en');
  return new Generator(faker);
}
