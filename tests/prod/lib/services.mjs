// What the three services accept and serve, read from their build (dist/): the variables they read
// and the HTTP routes they serve. The deploy files (compose, balancer, Kubernetes) are checked
// against these, so a renamed route or variable fails a test instead of a deployment.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, SERVICES } from './docker.mjs';

/** Builds the workspace once if a service's dist/ is missing (npm test builds it first). */
export function ensureBuilt() {
  if (SERVICES.some((s) => !existsSync(join(ROOT, s.name, 'dist/config.js')))) {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
}

const importDist = (path) => import(pathToFileURL(join(ROOT, path)).href);

/** Each service's env schema (the zod object its config.ts exports as `…EnvSchema`). */
export async function loadSchemas() {
  ensureBuilt();
  const schemas = new Map();
  for (const service of SERVICES) {
    const module = await importDist(`${service.name}/dist/config.js`);
    const [, schema] = Object.entries(module).find(([name]) => name.endsWith('EnvSchema'));
    schemas.set(service.name, schema);
  }
  return schemas;
}

/** The object shape of a schema (one that derives values, `.transform`, is a pipe). */
export const shapeOf = (schema) => schema.shape ?? schema.in?.shape;

function sourceFiles(dir) {
  const files = [];
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'testing') walk(full);
      } else if (/\.ts$/.test(entry.name) && !/\.(spec|test|d)\.ts$/.test(entry.name)) {
        files.push(full);
      }
    }
  };
  walk(dir);
  return files;
}

/**
 * The environment variables a service reads: its env schema's, and any read directly from
 * `process.env` in its own or packages/common's sources (a process manager that runs before the
 * configuration is loaded, such as the node:cluster primary reading WEB_CONCURRENCY).
 */
export function variablesRead(serviceName, schema) {
  const names = new Set(Object.keys(shapeOf(schema)));
  const pattern = /process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g;
  for (const dir of [join(ROOT, serviceName, 'src'), join(ROOT, 'packages/common/src')]) {
    for (const file of sourceFiles(dir)) {
      for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
        names.add(match[1] ?? match[2]);
      }
    }
  }
  return names;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'];
const joinPath = (...parts) =>
  `/${parts
    .flatMap((p) => String(p ?? '').split('/'))
    .filter(Boolean)
    .join('/')}`;

function controllerFiles(dir) {
  const files = [];
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.controller.js')) files.push(full);
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

/**
 * Every HTTP route a service serves, as { method, path } with the global `/api` prefix applied
 * where the service applies it (packages/common's create-app.ts: everything but the JWK Set and
 * order-service's sale page, see order-service/src/main.ts). Read from the Nest route metadata of
 * the built controllers (the service's own and packages/common's health, metrics and info).
 */
export async function servedRoutes(serviceName) {
  ensureBuilt();
  // The metadata API Nest's decorators write with (the service's own copy of reflect-metadata).
  createRequire(join(ROOT, serviceName, 'package.json'))('reflect-metadata');
  const { JWKS_ROUTE } = await importDist('packages/common/dist/auth/access-token.keys.js');
  const unprefixed = [JWKS_ROUTE];
  if (serviceName === 'order-service') {
    unprefixed.push(
      ...(await importDist('order-service/dist/sale/sale.controller.js')).SALE_ROUTES,
    );
  }
  const routes = [];
  const files = [
    ...controllerFiles(join(ROOT, serviceName, 'dist')),
    ...controllerFiles(join(ROOT, 'packages/common/dist')),
  ];
  for (const file of files) {
    const module = await import(pathToFileURL(file).href);
    for (const value of Object.values(module)) {
      if (typeof value !== 'function') continue;
      const prefix = Reflect.getMetadata('path', value);
      if (prefix === undefined) continue;
      for (const key of Object.getOwnPropertyNames(value.prototype)) {
        const handler = value.prototype[key];
        if (typeof handler !== 'function' || key === 'constructor') continue;
        const path = Reflect.getMetadata('path', handler);
        if (path === undefined) continue;
        const route = joinPath(prefix, path);
        const bare = route.slice(1);
        routes.push({
          method: METHODS[Reflect.getMetadata('method', handler)] ?? 'GET',
          path: unprefixed.includes(bare) ? route : joinPath('api', route),
        });
      }
    }
  }
  return routes;
}

/** Whether a concrete request path is served by one of `routes` (`:param` matches a segment). */
export function matchesRoute(routes, path) {
  const segments = path.split('/').filter(Boolean);
  return routes.some((route) => {
    const parts = route.path.split('/').filter(Boolean);
    return (
      parts.length === segments.length &&
      parts.every((part, i) => part.startsWith(':') || part === segments[i])
    );
  });
}
