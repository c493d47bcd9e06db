#!/usr/bin/env node
// Creates the product a plan orders, through inventory-service's admin API, and prints its id.
// Usage: node create-product.mjs <productId> <stock>
// Env: USER_SERVICE_URL, INVENTORY_SERVICE_URL, ADMIN_USERNAME, ADMIN_PASSWORD.
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
    body: { productId, name: `JMeter load test ${productId}`, priceCents: 100, stock },
  });
  if (res.status !== 201) {
    throw new Error(`POST /api/inventory answered ${res.status} ${JSON.stringify(res.body)}`);
  }
  process.stdout.write(`${productId}\n`);
} catch (error) {
  process.stderr.write(`could not create product ${productId}: ${error.message}\n`);
  process.exit(1);
}
