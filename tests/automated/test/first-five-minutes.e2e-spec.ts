import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  devAdmin,
  loadDemoCatalogue,
  readmeWalkthrough,
  tryItText,
  withAdmin,
} from '../../../scripts/lib/first-run.mjs';
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  INVENTORY_URL,
  ORDER_URL,
  USER_URL,
} from './support/env.js';
import { runProcess, type ProcessResult } from './support/child-process.js';
import { getAdminToken, inventory } from './support/fixtures.js';
import { ROOT } from './support/global-setup.mjs';

const README = join(ROOT, 'README.md');
/** The product the walkthrough orders. */
const WALKTHROUGH_PRODUCT = 'FLASH-CHARGER-65W';

/** Runs a shell snippet as a user pasting it would (bash, no `-e`), with a time limit. */
function bash(script: string, env: Record<string, string>): Promise<ProcessResult> {
  return runProcess('bash', ['-c', script], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    timeout: 30_000,
  });
}

/**
 * The first five minutes of a new user: the README's walkthrough, run literally against the
 * services, and the pieces `npm start` uses to make it work (an admin in development, the demo
 * catalogue, the closing "try it" text).
 */
describe('first five minutes', () => {
  it("the README's walkthrough, pasted as written, ends with a CONFIRMED order", async () => {
    // What npm start does on a fresh clone: the demo catalogue, loaded by the admin. The suites
    // share one database across runs, so the charger is restocked if earlier runs sold it.
    await loadDemoCatalogue(
      { userUrl: USER_URL, inventoryUrl: INVENTORY_URL },
      { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
    );
    const charger = await inventory.get(`/api/inventory/${WALKTHROUGH_PRODUCT}`);
    expect(charger.status).toBe(200);
    if ((charger.body.stock as number) < 10) {
      const restock = await inventory.put(`/api/inventory/${WALKTHROUGH_PRODUCT}`, {
        token: await getAdminToken(),
        json: { stock: 1_000 },
      });
      expect(restock.status).toBe(200);
    }

    // The block as the README has it; only the base URLs point at the services under test.
    const run = await bash(readmeWalkthrough(README), {
      USER_API: `${USER_URL}/api`,
      ORDER_API: `${ORDER_URL}/api`,
      INVENTORY_API: `${INVENTORY_URL}/api`,
    });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const catalogue = JSON.parse(lines[0]) as Array<{ productId: string }>;
    expect(catalogue.map((p) => p.productId)).toContain(WALKTHROUGH_PRODUCT);
    expect(JSON.parse(lines[1])).toEqual(expect.objectContaining({ role: 'user' }));
    const orderId = /^order (\S+)$/.exec(lines[2])?.[1];
    expect(orderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(lines.at(-1)!)).toEqual(
      expect.objectContaining({ id: orderId, productId: WALKTHROUGH_PRODUCT, status: 'CONFIRMED' }),
    );
  });

  describe('the admin npm start gives user-service', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flash-dev-admin-'));
    const cacheFile = join(dir, '.cache', 'dev-admin.json');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is generated once in development, kept private, and the same on the next start', () => {
      const first = devAdmin({}, cacheFile)!;
      expect(first).toEqual(
        expect.objectContaining({ username: 'admin', source: 'generated', file: cacheFile }),
      );
      expect(first.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(statSync(cacheFile).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toEqual({
        username: 'admin',
        password: first.password,
      });

      const second = devAdmin({ NODE_ENV: 'development' }, cacheFile);
      expect(second).toEqual({ ...first, source: 'cached' });
      expect(withAdmin({ PATH: '/bin' }, second)).toEqual({
        PATH: '/bin',
        ADMIN_USERNAME: 'admin',
        ADMIN_PASSWORD: first.password,
      });
    });

    it('is the configured one when ADMIN_USERNAME / ADMIN_PASSWORD are set', () => {
      const env = { ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'boss-password-1' };
      const admin = devAdmin(env, join(dir, 'unused.json'));
      expect(admin).toEqual({
        username: 'boss',
        password: 'boss-password-1',
        source: 'configured',
      });
      expect(withAdmin(env, admin)).toBe(env);
    });

    it('is never made in production', () => {
      const env = { NODE_ENV: 'production' };
      expect(devAdmin(env, join(dir, 'prod.json'))).toBeNull();
      expect(withAdmin(env, null)).toBe(env);
    });
  });

  it('npm start ends with the admin, the catalogue and the same walkthrough', async () => {
    const catalogue = await loadDemoCatalogue(
      { userUrl: USER_URL, inventoryUrl: INVENTORY_URL },
      { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
    );
    const walkthrough = readmeWalkthrough(README);
    const text = tryItText({
      admin: { username: 'admin', password: 'shown-once', source: 'generated', file: '/x.json' },
      catalogue,
      walkthrough,
      orderUrl: 'http://localhost:3002',
    });
    expect(text).toContain('Admin: admin / shown-once');
    expect(text).toContain(`${WALKTHROUGH_PRODUCT} (`);
    expect(text).toContain(walkthrough.trimEnd());
    expect(text).toMatch(/http:\/\/localhost:3002\/sale\?productId=\S+/);
    // The walkthrough as printed talks to npm start's ports.
    expect(walkthrough).toContain('http://localhost:3001/api');
    expect(walkthrough).toContain('http://localhost:3002/api');
    expect(walkthrough).toContain('http://localhost:3003/api');
  });
});
