// Flame graphs (SVG) of V8 .cpuprofile files, drawn by the `flamegraph` package (a port of
// Brendan Gregg's flamegraph.pl). That package reads the old profile shape (a `head` tree with
// nested children); V8 now writes a flat `nodes` list with child ids, so it is rebuilt as a tree
// here first. Also a CLI: node tests/load/lib/flame.mjs <in.cpuprofile> <out.svg> [title]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const flamegraph = require('flamegraph');

/** file:///…/node_modules/x/y.js -> x/y.js; file:///…/repo/order-service/dist/a.js -> order-service/dist/a.js */
export function shortUrl(url, root) {
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  return root && path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/** A V8 profile ({nodes, samples, …}) as the nested `head` tree the flamegraph package reads. */
export function profileTree(profile, root) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const build = (node) => ({
    functionName: node.callFrame.functionName || '(anonymous)',
    url: shortUrl(node.callFrame.url, root),
    // 1-based like flamegraph.pl's labels (V8's callFrame.lineNumber is 0-based)
    lineNumber: node.callFrame.lineNumber + 1,
    hitCount: node.hitCount ?? 0,
    children: (node.children ?? []).map((id) => build(byId.get(id))),
  });
  return { head: build(profile.nodes[0]) };
}

/** The SVG of one profile; `(idle)` samples are left out so widths are shares of busy time. */
export function flameGraphSvg(profile, { title = 'CPU profile', root } = {}) {
  const tree = profileTree(profile, root);
  tree.head.children = tree.head.children.filter((c) => c.functionName !== '(idle)');
  // Frames narrower than a pixel are left out: they are unreadable, and keep the SVG small enough
  // to commit.
  const opts = { ...flamegraph.defaultOpts, titletext: title, countname: 'samples', minwidth: 2 };
  return flamegraph.fromCpuProfile(tree, opts);
}

/** Self time by function (busy samples only), largest first: for the bench's text summary. */
export function topSelfTime(profile, { root, limit = 15 } = {}) {
  const counts = new Map(profile.nodes.map((n) => [n.id, 0]));
  for (const id of profile.samples ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  const bySite = new Map();
  let busy = 0;
  for (const node of profile.nodes) {
    const n = counts.get(node.id) ?? 0;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || n === 0) continue;
    busy += n;
    const site = `${name} ${shortUrl(node.callFrame.url, root)}`.trim();
    bySite.set(site, (bySite.get(site) ?? 0) + n);
  }
  return [...bySite.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([site, n]) => ({ site, share: busy ? n / busy : 0 }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output, title] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write(
      'usage: node tests/load/lib/flame.mjs <in.cpuprofile> <out.svg> [title]\n',
    );
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(input, 'utf8'));
  writeFileSync(output, flameGraphSvg(profile, { title: title ?? input }));
  for (const { site, share } of topSelfTime(profile)) {
    process.stdout.write(`${(share * 100).toFixed(1).padStart(5)}%  ${site}\n`);
  }
}
