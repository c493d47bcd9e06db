// What `npm start` does in development so a new user has something to try: an admin (the one
// configured, or one generated once and kept in the git-ignored .cache), the demo catalogue loaded
// through inventory-service's own route, and the README's walkthrough printed at the end.
// Production (NODE_ENV=production) gets none of it. Node built-ins only (runs before npm ci).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The generated admin's name; its password is random. */
export const DEV_ADMIN_USERNAME = 'admin';

/** Heading of the README section whose first `bash` block is the walkthrough. */
export const WALKTHROUGH_HEADING = '## Try it';

export function isDevelopment(env) {
  return (env.NODE_ENV ?? 'development') === 'development';
}

/**
 * The admin `npm start` gives user-service, or null in production.
 * - ADMIN_USERNAME and ADMIN_PASSWORD both set: that one (`source: 'configured'`).
 * - otherwise the one kept in `cacheFile`, generated on first use (`source: 'generated'` the
 *   time it is made, so its password is shown once; `'cached'` afterwards).
 */
export function devAdmin(env, cacheFile) {
  if (!isDevelopment(env)) return null;
  if (env.ADMIN_USERNAME !== undefined || env.ADMIN_PASSWORD !== undefined) {
    // One without the other is refused by user-service with a clear message: leave it to that.
    return { username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD, source: 'configured' };
  }
  if (existsSync(cacheFile)) {
    const { username, password } = JSON.parse(readFileSync(cacheFile, 'utf8'));
    if (typeof username === 'string' && typeof password === 'string') {
      return { username, password, source: 'cached', file: cacheFile };
    }
  }
  const admin = { username: DEV_ADMIN_USERNAME, password: randomBytes(18).toString('base64url') };
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, `${JSON.stringify(admin, null, 2)}\n`, { mode: 0o600 });
  chmodSync(cacheFile, 0o600);
  return { ...admin, source: 'generated', file: cacheFile };
}

/**
 * The services' output goes through npm start's pipe, so they never see the terminal: when npm
 * start itself writes to one in development, they are told to log human-readable lines.
 */
export function withTerminalLogs(env, stdoutIsTTY) {
  if (!stdoutIsTTY || !isDevelopment(env) || env.LOG_FORMAT !== undefined) return env;
  return { ...env, LOG_FORMAT: 'pretty' };
}

/** The environment for user-service with the admin (unchanged when there is none). */
export function withAdmin(env, admin) {
  if (!admin || admin.source === 'configured') return env;
  return { ...env, ADMIN_USERNAME: admin.username, ADMIN_PASSWORD: admin.password };
}

async function postJson(url, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(body ?? {}),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Signs in as the admin and loads the demo catalogue (`POST /api/inventory/initialize`,
 * idempotent: a product already there keeps its stock). Returns what the route answered.
 */
export async function loadDemoCatalogue({ userUrl, inventoryUrl }, admin) {
  const login = await postJson(`${userUrl}/api/users/login`, {
    username: admin.username,
    password: admin.password,
  });
  if (login.status !== 200) {
    throw new Error(`signing in as the admin ${admin.username} answered ${login.status}`);
  }
  const init = await postJson(
    `${inventoryUrl}/api/inventory/initialize`,
    {},
    login.body.accessToken,
  );
  if (init.status !== 200) {
    throw new Error(`POST /api/inventory/initialize answered ${init.status}`);
  }
  return init.body;
}

/** The first `bash` block under {@link WALKTHROUGH_HEADING} in the README. */
export function readmeWalkthrough(readmeFile) {
  const text = readFileSync(readmeFile, 'utf8');
  const section = text.split(WALKTHROUGH_HEADING)[1];
  const block = section && /```bash\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`${readmeFile}: no \`\`\`bash block under "${WALKTHROUGH_HEADING}"`);
  return block[1];
}

/** The closing "try it" text of `npm start`. */
export function tryItText({ admin, catalogue, walkthrough, orderUrl }) {
  const lines = [];
  if (admin?.source === 'generated') {
    lines.push(
      `Admin: ${admin.username} / ${admin.password}`,
      `  (generated for development and shown only this once; kept in ${admin.file})`,
    );
  } else if (admin?.source === 'cached') {
    lines.push(`Admin: ${admin.username} (its password is in ${admin.file})`);
  } else if (admin) {
    lines.push(`Admin: ${admin.username} (from ADMIN_USERNAME / ADMIN_PASSWORD)`);
  }
  if (catalogue) {
    const ids = catalogue.products.map((p) => `${p.productId} (${p.stock} left)`).join(', ');
    lines.push(`Demo catalogue: ${ids}`);
  }
  lines.push(
    '',
    "Try it: register, log in, order, watch the order settle (the README's walkthrough):",
    '',
    walkthrough.trimEnd(),
    '',
    `The live page of a sale: ${orderUrl}/sale?productId=${catalogue?.products[0]?.productId ?? '<productId>'}`,
  );
  return lines.join('\n');
}

/** Where the generated admin is kept. */
export function devAdminFile(root) {
  return join(root, '.cache', 'dev-admin.json');
}

/**
 * The end of `npm start` in development: the demo catalogue (unless `demo` is false) and the
 * "try it" text. Returns the text to print, or null in production.
 */
export async function welcome({ root, admin, services, demo }) {
  if (!admin) return null;
  const url = (name) => `http://localhost:${services.find((s) => s.name === name).port}`;
  let catalogue = null;
  const notes = [];
  if (demo) {
    try {
      catalogue = await loadDemoCatalogue(
        { userUrl: url('user-service'), inventoryUrl: url('inventory-service') },
        admin,
      );
    } catch (error) {
      notes.push(`The demo catalogue was not loaded: ${error.message}`);
    }
  } else {
    notes.push('The demo catalogue was not loaded (--no-demo); the walkthrough needs it.');
  }
  const text = tryItText({
    admin,
    catalogue,
    walkthrough: readmeWalkthrough(join(root, 'README.md')),
    orderUrl: url('order-service'),
  });
  return [...notes, text].join('\n');
}
