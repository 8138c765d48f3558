import type {Faker} from '@faker-js/faker';
import type {Currency} from '../money';

/**
 * The stable world the generator draws from: accounts (each with a home currency) and merchants
 * (each with a category and a typical ticket size). Built from a fixed seed, so every function
 * instance and every release sees the same accounts and merchants.
 */
export interface Account {
  id: string;
  currency: Currency;
}

export interface Merchant {
  name: string;
  category: string;
  /** Median ticket in US dollars; amounts spread log-normally around it. */
  medianUsd: number;
}

export interface Catalog {
  accounts: Account[];
  merchants: Merchant[];
  employers: string[];
  cities: string[];
}

const CATALOG_SEED = 20_240_601;
const ACCOUNT_COUNT = 2000;
const MERCHANT_COUNT = 400;

/** Share of accounts per home currency. */
const CURRENCY_WEIGHTS: ReadonlyArray<{value: Currency; weight: number}> = [
  {value: 'USD', weight: 55},
  {value: 'EUR', weight: 15},
  {value: 'GBP', weight: 10},
  {value: 'CAD', weight: 5},
  {value: 'AUD', weight: 4},
  {value: 'JPY', weight: 5},
  {value: 'INR', weight: 4},
  {value: 'CHF', weight: 2},
];

/** Merchant categories with their median ticket in USD. */
const CATEGORIES: ReadonlyArray<{
  category: string;
  medianUsd: number;
  weight: number;
}> = [
  {category: 'groceries', medianUsd: 45, weight: 22},
  {category: 'restaurants', medianUsd: 28, weight: 20},
  {category: 'fuel', medianUsd: 50, weight: 10},
  {category: 'apparel', medianUsd: 70, weight: 8},
  {category: 'electronics', medianUsd: 220, weight: 5},
  {category: 'travel', medianUsd: 380, weight: 5},
  {category: 'utilities', medianUsd: 110, weight: 6},
  {category: 'healthcare', medianUsd: 90, weight: 5},
  {category: 'entertainment', medianUsd: 25, weight: 9},
  {category: 'online_services', medianUsd: 15, weight: 10},
];

export function buildCatalog(faker: Faker): Catalog {
  faker.seed(CATALOG_SEED);
  const accounts: Account[] = [];
  for (let i = 0; i < ACCOUNT_COUNT; i++) {
    accounts.push({
      id: `acct-${faker.finance.accountNumber(10)}-${String(i).padStart(4, '0')}`,
      currency: faker.helpers.weightedArrayElement(
        CURRENCY_WEIGHTS as Array<{value: Currency; weight: number}>,
      ),
    });
  }
  const merchants: Merchant[] = [];
  for (let i = 0; i < MERCHANT_COUNT; i++) {
    const category = faker.helpers.weightedArrayElement(
      CATEGORIES.map(c => ({value: c, weight: c.weight})),
    );
    merchants.push({
      name: faker.company.name(),
      category: category.category,
      // Each merchant's own typical ticket sits within a factor of ~2 of its category's.
      medianUsd:
        category.medianUsd *
        Math.exp(faker.number.float({min: -0.7, max: 0.7})),
    });
  }
  const employers = Array.from({length: 60}, () => faker.company.name());
  const cities = Array.from({length: 40}, () => faker.location.city());
  return {accounts, merchants, employers, cities};
}
