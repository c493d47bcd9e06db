// The compose balancer (deploy/nginx/nginx.conf) without Docker: nginx's own syntax check, and the
// config run for real by nginx in front of three stand-in services, so every route is seen to reach
// the service that serves it. Run: node --test tests/prod/balancer.test.mjs
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ROOT,
  SERVICES,
  composeConfig,
  findComposeClient,
  portsOf,
  volumesOf,
} from './lib/docker.mjs';
import { findNginx, nginxRoutes } from './lib/nginx.mjs';
import { matchesRoute, servedRoutes } from './lib/services.mjs';

const CONF = 'deploy/nginx/nginx.conf';
const CONF_TEXT = readFileSync(join(ROOT, CONF), 'utf8');
const SERVICE_NAMES = SERVICES.map((s) => s.name);

/**
 * Routes of the services that are NOT for clients, so not behind the balancer: operations (each
 * service has its own; the balancer offers /health/<service> instead, Prometheus scrapes
 * /api/metrics on the network), the API description, and inventory-service's list for
 * order-service's reconciler.
 */
const INTERNAL = [
  /^\/api$/,
  /^\/api\/health(\/|$)/,
  /^\/api\/metrics$/,
  /^\/api\/inventory-sync(\/|$)/,
];
const isInternal = (path) => INTERNAL.some((pattern) => pattern.test(path));

let nginx;
/** service name -> its routes (from the services' build). */
const routes = new Map();

before(async () => {
  nginx = findNginx();
  for (const name of SERVICE_NAMES) routes.set(name, await servedRoutes(name));
});

test('docker-compose.yml: nginx from its official image is the one published entry point', () => {
  const client = findComposeClient();
  const result = composeConfig(client, 'docker-compose.yml', { JWT_PRIVATE_KEYS: '{"keys":[]}' });
  assert.equal(result.status, 0, result.output);
  const { services } = result.config;
  const { balancer } = services;
  assert.ok(balancer, 'a service "balancer"');
  assert.match(balancer.image, /^nginx:\d+\.\d+(\.\d+)?-alpine$/, 'official nginx image, pinned');
  const conf = volumesOf(balancer).find((v) => v.target === '/etc/nginx/nginx.conf');
  assert.equal(conf?.source, join(ROOT, CONF), 'mounts deploy/nginx/nginx.conf');
  assert.deepEqual(
    portsOf(balancer).map((p) => [p.published, p.target]),
    [[8080, 8080]],
    'published on 8080 (BALANCER_PORT)',
  );
  assert.match(CONF_TEXT, /^\s*listen\s+8080\s*;/m, 'nginx listens on the published port');
  // Nothing else of the application is published: replicas can be added with --scale.
  const published = Object.entries(services)
    .filter(([, spec]) => !spec.profiles?.length && portsOf(spec).length > 0)
    .map(([name]) => name);
  assert.deepEqual(published, ['balancer']);
  for (const name of SERVICE_NAMES) {
    assert.ok(balancer.depends_on && name in balancer.depends_on, `balancer starts after ${name}`);
  }
  // Compose's own DNS server, which knows every replica of a scaled service.
  assert.match(CONF_TEXT, /^\s*resolver\s+127\.0\.0\.11\b/m);
});

test('nginx -t: the configuration is valid', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'flash-nginx-t-'));
  try {
    const result = spawnSync(
      nginx.binary,
      ['-t', '-q', '-p', prefix, '-e', 'stderr', '-c', join(ROOT, CONF)],
      { encoding: 'utf8' },
    );
    assert.equal(result.status, 0, `nginx ${nginx.version} -t:\n${result.stderr}`);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

test('the upstreams are the compose services on their ports, and every location is plain', () => {
  const { upstreams, locations } = nginxRoutes(CONF_TEXT);
  const byHost = new Map(SERVICES.map((s) => [s.name, s.port]));
  assert.deepEqual([...upstreams.values()].map((u) => u.host).sort(), [...SERVICE_NAMES].sort());
  for (const { host, port } of upstreams.values()) {
    assert.equal(port, byHost.get(host), `${host} listens on ${byHost.get(host)}`);
  }
  for (const location of locations) {
    assert.notEqual(location.match, 'regex', `${location.path}: prefix or exact locations only`);
    assert.ok(
      location.upstream || location.returns,
      `${location.path}: proxies to a known upstream or answers itself`,
    );
  }
  // Every location that proxies reaches a route its service serves.
  for (const location of locations.filter((l) => l.upstream)) {
    const target = location.uri ?? location.path;
    const served = routes.get(location.upstream.host);
    const reachable =
      location.match === 'exact'
        ? matchesRoute(served, target)
        : served.some((r) => r.path === target || r.path.startsWith(`${target}/`));
    assert.ok(reachable, `${location.path} -> ${location.upstream.host}${target}: not served`);
  }
});

// ------------------------------------------------------------- nginx running the real config

/** A stand-in service: answers every request with its name and what it received. */
async function standIn(name) {
  const server = createServer((req, res) => {
    if (req.url.startsWith('/sale/events')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: {"service":"${name}"}\n\n`);
      return; // kept open, as the real stream is
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ service: name, method: req.method, url: req.url, headers: req.headers }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let running;

async function startNginx() {
  const dir = mkdtempSync(join(tmpdir(), 'flash-nginx-run-'));
  const standIns = new Map();
  const stop = async (child) => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    for (const server of standIns.values()) server.closeAllConnections();
    await Promise.all([...standIns.values()].map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  };
  let child;
  try {
    for (const name of SERVICE_NAMES) standIns.set(name, await standIn(name));
    const port = await freePort();
    // The shipped config with only its addresses changed: the stand-ins for the compose names,
    // a free local port, files in this run's directory.
    let text = CONF_TEXT.replace(/^\s*listen\s+8080\s*;/m, `listen 127.0.0.1:${port};`)
      .replace(/^pid\s+\S+;/m, `pid ${join(dir, 'nginx.pid')};`)
      .replace(/(_temp_path\s+)\/tmp\//g, `$1${dir}/`);
    for (const [name, server] of standIns) {
      text = text.replaceAll(`http://${name}:`, `http://127.0.0.1:${server.address().port}#`);
    }
    text = text.replace(/#\d+;/g, ';');
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, text);
    child = spawn(
      nginx.binary,
      ['-p', dir, '-e', 'stderr', '-c', conf, '-g', 'daemon off; master_process on;'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const base = `http://127.0.0.1:${port}`;
    // Up when /healthz answers (or failed when nginx exited).
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`nginx did not answer in 15 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { base, stop: () => stop(child) };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

after(async () => {
  await running?.stop();
});

/** A concrete request path for a route (`:param` filled in). */
const concrete = (path) => path.replace(/:[^/]+/g, 'P-1');

test('every client route of every service reaches that service through the balancer', async () => {
  running = await startNginx();
  let checked = 0;
  for (const [name, served] of routes) {
    for (const route of served) {
      if (isInternal(route.path) || route.path === '/sale/events') continue;
      const path = concrete(route.path);
      const response = await fetch(`${running.base}${path}?q=1`, {
        method: route.method,
        headers: { 'x-request-id': `req-${checked}` },
        ...(['POST', 'PUT'].includes(route.method)
          ? {
              body: '{}',
              headers: { 'content-type': 'application/json', 'x-request-id': `req-${checked}` },
            }
          : {}),
      });
      assert.equal(response.status, 200, `${route.method} ${path}: status`);
      const seen = await response.json();
      assert.equal(seen.service, name, `${route.method} ${path} reaches ${name}`);
      assert.equal(seen.method, route.method);
      assert.equal(seen.url, `${path}?q=1`, `${path}: forwarded unchanged`);
      // The client's request id is kept; the client's address is forwarded.
      assert.equal(seen.headers['x-request-id'], `req-${checked}`);
      assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
      checked++;
    }
  }
  assert.ok(checked >= 15, `the services' client routes were tried (${checked})`);
});

test('the balancer gives a request without an id one, drops a forged client address, and streams SSE', async () => {
  running ??= await startNginx();
  const seen = await (
    await fetch(`${running.base}/api/orders`, { headers: { 'x-forwarded-for': '203.0.113.9' } })
  ).json();
  assert.match(seen.headers['x-request-id'], /^[0-9a-f]{32}$/, 'nginx request id');
  // A forged X-Forwarded-For is replaced by the client's address (login throttling counts by it).
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');

  // The stream's first event arrives while the stand-in keeps the response open.
  const controller = new AbortController();
  const response = await fetch(`${running.base}/sale/events?productId=P-1`, {
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /text\/event-stream/);
  const reader = response.body.getReader();
  const { value } = await reader.read();
  assert.match(new TextDecoder().decode(value), /^data: \{"service":"order-service"\}/);
  controller.abort();
});

test('per-service health, the balancer own health, and 404 for what is not public', async () => {
  running ??= await startNginx();
  for (const name of SERVICE_NAMES) {
    const seen = await (await fetch(`${running.base}/health/${name}`)).json();
    assert.equal(seen.service, name);
    assert.equal(seen.url, '/api/health', `/health/${name} -> ${name}'s /api/health`);
  }
  assert.deepEqual(await (await fetch(`${running.base}/healthz`)).json(), { status: 'ok' });
  for (const path of ['/api/metrics', '/api/docs', '/api/inventory-sync/pending', '/api', '/x']) {
    const response = await fetch(`${running.base}${path}`, {
      headers: { 'x-request-id': 'r-404' },
    });
    assert.equal(response.status, 404, `${path} is not routed`);
    // The services' error shape, so a client handles it like theirs.
    assert.deepEqual(await response.json(), {
      statusCode: 404,
      error: 'Not Found',
      message: 'No such route',
      code: 'ROUTE_NOT_FOUND',
      requestId: 'r-404',
    });
  }
});
