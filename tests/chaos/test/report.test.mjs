// The report's JSON is written in the shape the repository's prettier keeps, so that
// `npm run chaos -- --out docs/chaos` leaves `npm run check` (prettier --check) green.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import * as prettier from 'prettier';
import { reportJson, writeReport } from '../lib/report.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const IN_TREE = join(ROOT, 'docs', 'chaos', 'REPORT.json');

async function prettierAccepts(text, file) {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.check(text, { ...options, filepath: file });
}

describe('reportJson', () => {
  const committed = readFileSync(IN_TREE, 'utf8');
  const result = JSON.parse(committed);

  test('gives what prettier keeps (short arrays on one line, long ones broken)', async () => {
    const text = await reportJson(result, IN_TREE);
    // JSON.stringify(result, null, 2) is what prettier reformatted before.
    expect(await prettierAccepts(`${JSON.stringify(result, null, 2)}\n`, IN_TREE)).toBe(false);
    expect(await prettierAccepts(text, IN_TREE)).toBe(true);
    expect(JSON.parse(text)).toEqual(result);
    // The committed report is prettier-clean (npm run check): the same bytes come out.
    expect(text).toBe(committed);
  });

  describe('writeReport', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-report-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('writes the JSON and the Markdown', async () => {
      const base = join(dir, 'run');
      await writeReport(base, result, 'npm run chaos -- --seed 12');
      expect(JSON.parse(readFileSync(`${base}.json`, 'utf8'))).toEqual(result);
      expect(readFileSync(`${base}.md`, 'utf8')).toMatch(/^# Chaos run: seed 12/);
    });
  });
});
