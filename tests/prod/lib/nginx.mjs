// The compose balancer's nginx.conf (deploy/nginx/nginx.conf) without Docker: an nginx binary to
// test and run it with, and a reader of its routes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './docker.mjs';

/** Where the project keeps the nginx it unpacks (git-ignored). */
const CACHE = join(ROOT, '.cache', 'nginx');
const CACHED_BINARY = join(CACHE, 'usr', 'sbin', 'nginx');

const versionOf = (binary) => {
  const result = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return /nginx\/(\S+)/.exec(`${result.stdout}${result.stderr}`)?.[1];
};

/**
 * An nginx binary: the machine's (`nginx` on PATH), else Debian's `nginx` package unpacked into
 * .cache/nginx. It is downloaded with `apt-get download` and unpacked with `dpkg-deb -x`, not
 * installed: installing would run its maintainer scripts, which start a system nginx on port 80.
 * Its libraries (libpcre2, libssl3, zlib, libcrypt) are those of a standard Debian system; when
 * one is missing they are installed (as root). FLASH_NO_INSTALL=1 turns all of this off.
 * Returns { binary, version }; throws with what to do when there is none.
 */
export function findNginx() {
  for (const binary of ['nginx', CACHED_BINARY]) {
    const version = versionOf(binary);
    if (version) return { binary, version };
  }
  if (process.env.FLASH_NO_INSTALL === '1' || spawnSync('apt-get', ['--version']).status !== 0) {
    throw new Error('no nginx: install Debian\'s "nginx" package (or unset FLASH_NO_INSTALL)');
  }
  const download = mkdtempSync(join(tmpdir(), 'flash-nginx-'));
  try {
    const fetch = () =>
      spawnSync('apt-get', ['download', '-qq', 'nginx'], { cwd: download, encoding: 'utf8' });
    let fetched = fetch();
    if (fetched.status !== 0 && process.getuid?.() === 0) {
      spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8' });
      fetched = fetch();
    }
    const deb = readdirSync(download).find((f) => /^nginx_.*\.deb$/.test(f));
    if (!deb) throw new Error(`apt-get download nginx failed: ${fetched.stderr}`);
    rmSync(CACHE, { recursive: true, force: true });
    mkdirSync(CACHE, { recursive: true });
    const unpack = spawnSync('dpkg-deb', ['-x', join(download, deb), CACHE], { encoding: 'utf8' });
    if (unpack.status !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${unpack.stderr}`);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
  if (!versionOf(CACHED_BINARY) && process.getuid?.() === 0) {
    spawnSync(
      'apt-get',
      ['install', '-y', '-qq', '--no-install-recommends', 'libpcre2-8-0', 'libssl3', 'zlib1g'],
      { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
    );
  }
  const version = versionOf(CACHED_BINARY);
  if (!version) throw new Error(`${CACHED_BINARY} does not run (a library missing?)`);
  return { binary: CACHED_BINARY, version };
}

/**
 * The routing of an nginx.conf like ours: the upstream variables (`set $name http://host:port;`)
 * and every location as { match: 'exact' | 'prefix', path, upstream, uri, returns }, with
 * `upstream` the variable's { host, port } when the location proxies, `uri` the path it proxies
 * to (undefined: the request's own), `returns` the status of a `return`. Regular-expression
 * locations are reported as { match: 'regex' } (ours has none: prefix and exact matching are
 * what the Ingress can express too).
 */
export function nginxRoutes(text) {
  const conf = text.replace(/#.*$/gm, '');
  const upstreams = new Map();
  for (const [, name, host, port] of conf.matchAll(
    /\bset\s+\$(\w+)\s+http:\/\/([\w.-]+):(\d+)\s*;/g,
  )) {
    upstreams.set(name, { host, port: Number(port) });
  }
  const locations = [];
  for (const [, modifier, path, body] of conf.matchAll(
    /\blocation\s+(=|~\*?|\^~)?\s*(\S+)\s*\{([^{}]*)\}/g,
  )) {
    const match = modifier === '=' ? 'exact' : modifier?.startsWith('~') ? 'regex' : 'prefix';
    const proxy = /\bproxy_pass\s+\$(\w+)(\S*)\s*;/.exec(body);
    const returns = /\breturn\s+(\d{3})\b/.exec(body);
    locations.push({
      match,
      path,
      variable: proxy?.[1],
      upstream: proxy ? upstreams.get(proxy[1]) : undefined,
      uri: proxy?.[2] || undefined,
      returns: returns ? Number(returns[1]) : undefined,
      body,
    });
  }
  return { upstreams, locations };
}
