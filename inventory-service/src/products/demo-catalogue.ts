import type { NewProduct } from './product.js';

/**
 * The catalogue `POST /api/inventory/initialize` creates: the original project's demo products
 * under its numeric ids 1-5 (its README's examples order "product 1"), then a small flash sale to
 * try the system on.
 */
export const DEMO_CATALOGUE: readonly NewProduct[] = [
  { productId: '1', name: 'iPhone 15', priceCents: 99_999, stock: 100, maxPerUser: null },
  { productId: '2', name: 'MacBook Air 13', priceCents: 109_999, stock: 50, maxPerUser: null },
  { productId: '3', name: 'iPad Air', priceCents: 59_999, stock: 80, maxPerUser: null },
  { productId: '4', name: 'AirPods Pro', priceCents: 24_999, stock: 200, maxPerUser: null },
  { productId: '5', name: 'Apple Watch S9', priceCents: 39_999, stock: 150, maxPerUser: null },
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
