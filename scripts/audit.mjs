#!/usr/bin/env node
// `npm run audit -- <productId> [--wait-seconds N] [--json]`: proves one product's sale from the
// stores of record (order_service.orders, inventory_service.products and stock_movements, the Redis
// counter) and prints a one-page report. Exits 1 on any breach, 2 on bad usage or no connection.
// Reads DB_HOST DB_PORT DB_USERNAME DB_PASSWORD ORDER_DB_DATABASE INVENTORY_DB_DATABASE
// REDIS_HOST REDIS_PORT REDIS_PASSWORD (the services' defaults: localhost, root, no password).
import { parseArgs } from 'node:util';

const USAGE = 'Usage: npm run audit -- <productId> [--wait-seconds N] [--json]';

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        'wait-seconds': { type: 'string', default: '30' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  const waitSeconds = Number(values['wait-seconds']);
  if (values.help || positionals.length !== 1 || !(waitSeconds >= 0)) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  let audit;
  let lib;
  try {
    // The shared packages' build; `npm start` and `npm test` make it.
    lib = await import('@flash-sale/common/audit');
  } catch (error) {
    process.stderr.write(
      `Cannot load @flash-sale/common (run npm run build first): ${error.message}\n`,
    );
    return 2;
  }
  try {
    audit = await lib.runSaleAudit(lib.saleAuditConnectionFromEnv(process.env), positionals[0], {
      waitForQuietMs: waitSeconds * 1000,
    });
  } catch (error) {
    process.stderr.write(`Cannot read the stores of record: ${error.message}\n`);
    return 2;
  }
  process.stdout.write(
    values.json ? `${JSON.stringify(audit, null, 2)}\n` : lib.renderSaleAudit(audit),
  );
  return audit.ok ? 0 : 1;
}

process.exitCode = await main();
