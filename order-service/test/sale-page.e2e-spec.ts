import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { jest } from '@jest/globals';
import { eventually } from '@flash-sale/common/testing';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { ensureChromium } from './support/chromium.js';
import { OrdersDb } from './support/orders-db.js';
import { runSmallSale, type OrderAnswer } from './support/small-sale.js';
import { InventoryAdmin, newProductId, SpawnedService } from './support/stack.js';

/**
 * The live sale page in a real browser (Debian's headless Chromium): during a small sale the
 * page's numbers, read from the DOM, follow the sale as the API answered it. The screenshot goes
 * to SALE_PAGE_SCREENSHOT when set (docs/sale-page.png was taken so), else to the temp folder.
 */
jest.setTimeout(180_000);

const STOCK = 150;

describe('sale page (e2e, real stack, headless Chromium)', () => {
  let inventory: SpawnedService;
  let orders: SpawnedService;
  let admin: InventoryAdmin;
  let db: OrdersDb;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const executablePath = ensureChromium();
    inventory = await SpawnedService.start('inventory-service', {});
    admin = new InventoryAdmin(inventory.url);
    orders = await SpawnedService.start('order-service', {
      INVENTORY_SERVICE_URL: inventory.url,
      ORDER_KAFKA_GROUP_ID: `order-service-sale-page-${randomUUID()}`,
      ORDER_KAFKA_START_FROM: 'latest',
    });
    db = new OrdersDb();
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      // Root in CI: Chromium's sandbox needs user namespaces it may not have there.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 560 });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await orders?.stop();
    await inventory?.stop();
    await db?.close();
  });

  /** Every units-left value the test has read from the page, in order. */
  const unitsSeen: number[] = [];

  /** The page's numbers as shown, by element id. */
  async function shown(): Promise<Record<string, string>> {
    // Runs in the page; typed by hand, as this project compiles without the DOM library.
    const pairs: [string, string][] = await page.$$eval(
      '[id]',
      (elements: { id: string; textContent: string | null }[]) =>
        elements.map((e): [string, string] => [e.id, e.textContent ?? '']),
    );
    const s: Record<string, string> = Object.fromEntries(pairs);
    const units = Number(s['units-left']);
    if (Number.isInteger(units) && units !== unitsSeen.at(-1)) unitsSeen.push(units);
    return s;
  }

  /** Waits until the page shows what `check` wants, and returns it. */
  function untilShown(
    check: (s: Record<string, string>) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, string>> {
    return eventually(
      async () => {
        const s = await shown();
        return check(s) ? s : undefined;
      },
      timeoutMs,
      100,
    );
  }

  it('shows units left, accepted and refused, p99, PENDING and the sell-out live', async () => {
    const productId = newProductId('T-os-sale-page');
    await admin.create({ productId, stock: STOCK });
    await page.goto(`${orders.url}/sale?productId=${productId}`);
    await untilShown((s) => s['units-left'] === String(STOCK) && s.status.startsWith('live'));

    // First wave: a third of the stock, and the page follows.
    const first = await runSmallSale(orders.url, productId, {
      buyers: 50,
      ordersEach: 1,
      concurrency: 10,
    });
    expect(first.every((a) => a.status === 201)).toBe(true);
    const midSale = await untilShown(
      (s) => s['accepted-total'] === '50' && s['units-left'] === String(STOCK - 50),
    );
    expect(midSale['sold-out-at']).toBe('–');

    // The rest: 250 buyers for the 100 units left.
    const rest = await runSmallSale(orders.url, productId, {
      buyers: 250,
      ordersEach: 1,
      concurrency: 20,
    });
    const answers: OrderAnswer[] = [...first, ...rest];
    const accepted = answers.filter((a) => a.status === 201).length;
    const refused = answers.length - accepted;
    expect(accepted).toBe(STOCK);

    const soldOut = await untilShown(
      (s) =>
        s['units-left'] === '0' &&
        s['accepted-total'] === String(accepted) &&
        s['refused-total'] === String(refused) &&
        s['sold-out-at'] !== '–',
    );
    expect(Number(soldOut.p99)).toBeGreaterThan(0);
    const screenshot =
      process.env.SALE_PAGE_SCREENSHOT ?? join(tmpdir(), `sale-page-${process.pid}.png`);
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot });

    // The units left as the test saw them while polling: only ever down, to 0.
    const numbers = unitsSeen;
    expect(numbers[0]).toBe(STOCK);
    expect(numbers).toContain(STOCK - 50);
    expect(numbers.at(-1)).toBe(0);
    for (let i = 1; i < numbers.length; i++) {
      expect(numbers[i]).toBeLessThanOrEqual(numbers[i - 1] ?? Infinity);
    }

    // Every order settles: PENDING on the page goes to 0 as it does in MySQL.
    await eventually(
      async () => ((await db.unsettled(productId)) === 0 ? true : undefined),
      30_000,
      200,
    );
    // The per-second rate looks back a few seconds, so it reaches 0 a little after the last order.
    const settled = await untilShown(
      (s) => s.pending === '0' && s['settle-lag'] === '–' && s['accepted-per-second'] === '0',
    );
    expect(settled['accepted-total']).toBe(String(accepted));
  });
});
