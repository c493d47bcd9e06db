#!/usr/bin/env node
// `npm run chaos [-- --seed N --profile full|short --faults a,b --out DIR --name NAME]`: the seeded chaos run
// (see README). Prints the report and writes NAME.json and NAME.md (default chaos-<profile>-<seed>)
// to DIR (default .cache/chaos).
// Exits 1 when a safety check fails or a liveness target is missed (CHAOS_ASSERT_LIVENESS=0: safety
// only).
import { mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderText, writeReport } from './lib/report.mjs';
import { runChaos } from './lib/run.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: process.env.CHAOS_SEED ?? '12' },
    profile: { type: 'string', default: 'full' },
    out: { type: 'string', default: join(ROOT, '.cache', 'chaos') },
    name: { type: 'string' },
    faults: { type: 'string' },
  },
});
const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
const started = Date.now();
const log = (m) =>
  process.stderr.write(`[chaos ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${m}\n`);

const faults = values.faults?.split(',').filter(Boolean);
const result = await runChaos({ seed, profile: values.profile, root: ROOT, log, faults });
// npm runs the workspace's script in tests/chaos: a relative --out means where npm was invoked.
const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
mkdirSync(out, { recursive: true });
const base = join(out, values.name ?? `chaos-${result.profile}-${seed}`);
const command = `npm run chaos -- --seed ${seed} --profile ${result.profile}${faults ? ` --faults ${faults.join(',')}` : ''}`;
await writeReport(base, result, command);
process.stdout.write(renderText(result));
process.stdout.write(`Report: ${relative(process.cwd(), base)}.md and .json\n`);
const strict = process.env.CHAOS_ASSERT_LIVENESS !== '0';
process.exitCode = !result.safetyOk || (strict && !result.livenessOk) ? 1 : 0;
