#!/usr/bin/env node
// Compares every Redis stock counter with MySQL: expected counter = inventory-service's stock of
// record minus the units of orders in flight (PENDING, give-back due, or reserved but not yet
// recorded). Prints counter, MySQL stock, in-flight units and drift per product; exits 1 when a
// counter drifts or is missing, 0 when all agree. Changes nothing (repair: init-redis-stock.js).
//
//   node scripts/check-redis-stock.js            (after `npm run build`; order-service's env)
//   node scripts/check-redis-stock.js --json
//
// While orders are being taken, a small drift can be momentary (an answer on its way); the
// service repairs a drift only once the product is quiet.
import { runReconciliation, formatResults } from '../order-service/dist/stock/stock-tools.js';

const json = process.argv.includes('--json');
try {
  const { results, catalogueLoaded } = await runReconciliation('check');
  const bad = results.filter((r) => r.counter === null || r.drift !== 0);
  if (json) {
    console.log(JSON.stringify({ catalogueLoaded, products: results }, null, 2));
  } else {
    console.log(formatResults(results));
    console.log(
      `\n${results.length} product(s), ${bad.length} drifting or missing; counters ${catalogueLoaded ? 'loaded' : 'NOT loaded (run scripts/init-redis-stock.js)'}`,
    );
  }
  process.exit(bad.length === 0 && catalogueLoaded ? 0 : 1);
} catch (error) {
  console.error(`check-redis-stock: ${error.message}`);
  process.exit(2);
}
