#!/usr/bin/env node
// Creates the product a plan orders, through inventory-service's admin API, and prints its id.
// Usage: node create-product.mjs <productId> <stock>
// Env: USER_SERVICE_URL, INVENTORY_SERVICE_URL, ADMIN_USERNAME, ADMIN_PASSWORD; MAX_PER_USER
// (default 1000000): the product's per-user cap. The plans reuse a few buyers for many orders, so
// the product sets a cap of its own far above order-service's default (ORDER_DEFAULT_MAX_PER_USER,
// 10 units per buyer of a product that sets none).
import { login, request } from './api.mjs';

const [productId, stockText] = process.argv.slice(2);
const stock = Number(stockText);
if (!productId || !Number.isSafeInteger(stock) || stock < 0) {
  process.stderr.write('usage: node create-product.mjs <productId> <stock>\n');
  process.exit(2);
}
const { USER_SERVICE_URL, INVENTORY_SERVICE_URL, ADMIN_USERNAME, ADMIN_PASSWORD } = process.env;
if (!USER_SERVICE_URL || !INVENTORY_SERVICE_URL || !ADMIN_USERNAME || !ADMIN_PASSWORD) {
  process.stderr.write(
    'create-product.mjs needs USER_SERVICE_URL, INVENTORY_SERVICE_URL, ADMIN_USERNAME and ADMIN_PASSWORD\n',
  );
  process.exit(2);
}

try {
  const token = await login(USER_SERVICE_URL, ADMIN_USERNAME, ADMIN_PASSWORD);
  const res = await request('POST', `${INVENTORY_SERVICE_URL}/api/inventory`, {
    token,
    body: {
      productId,
      name: `JMeter load test ${productId}`,
      priceCents: 100,
      stock,
      maxPerUser: Number(process.env.MAX_PER_USER ?? 1_000_000),
    },
  });
  if (res.status !== 201) {
    throw new Error(`POST /api/inventory answered ${res.status} ${JSON.stringify(res.body)}`);
  }
  process.stdout.write(`${productId}\n`);
} catch (error) {
  process.stderr.write(`could not create product ${productId}: ${error.message}\n`);
  process.exit(1);
}
