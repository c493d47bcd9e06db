import type { NewProduct } from './product.js';

/** The catalogue `POST /api/inventory/initialize` creates: a small flash sale to try the system on. */
export const DEMO_CATALOGUE: readonly NewProduct[] = [
  {
    productId: 'FLASH-PHONE-X1',
    name: 'Phone X1 (flash sale)',
    priceCents: 49_900,
    stock: 100,
    maxPerUser: 1,
  },
  {
    productId: 'FLASH-EARBUDS-PRO',
    name: 'Earbuds Pro',
    priceCents: 8_900,
    stock: 500,
    maxPerUser: 2,
  },
  {
    productId: 'FLASH-WATCH-S2',
    name: 'Smart Watch S2',
    priceCents: 19_900,
    stock: 200,
    maxPerUser: null,
  },
  {
    productId: 'FLASH-CHARGER-65W',
    name: 'Charger 65 W',
    priceCents: 2_900,
    stock: 1_000,
    maxPerUser: null,
  },
];
