#!/usr/bin/env node
// tsc compiles only TypeScript; this copies the other files a service loads at run time
// (Lua scripts, HTML pages) from each package's src/ to the same place under dist/. Run by `npm run build`.
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['packages/common', 'user-service', 'order-service', 'inventory-service'];
const ASSET = /\.(lua|html)$/;

for (const pkg of PACKAGES) {
  const src = join(ROOT, pkg, 'src');
  if (!existsSync(src)) continue;
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !ASSET.test(entry.name)) continue;
    const from = join(entry.parentPath, entry.name);
    cpSync(from, join(ROOT, pkg, 'dist', from.slice(src.length + 1)));
  }
}
