#!/usr/bin/env node
// Compares every Redis stock counter with MySQL: expected counter = inventory-service's stock of
// record minus the units Redis took and MySQL has not (reserved and not deducted, give-backs
// due, a cancelled order's until its restore is answered; plus units an earlier version gave back
// whose restore is pending) minus admin changes still queued. Prints counter, MySQL stock, in-flight units and drift per product; exits 1 when a
// counter drifts or is missing, 0 when all agree. Changes nothing (repair: init-redis-stock.js).
//
//   node scripts/check-redis-stock.js            (after `npm run build`; order-service's env)
//   node scripts/check-redis-stock.js --json
//
// Deductions whose answers are on their way are not counted twice (see order-service's README,
// "Keeping Redis honest"); the service's periodic pass repairs a drift seen twice while quiet.
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
