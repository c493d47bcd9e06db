// The run's report: the safety checks (PASS/FAIL), the liveness table per fault (PASS/MISS
// against the issue's targets), settling, and what the clients saw; as text and as Markdown.
import { writeFile } from 'node:fs/promises';
import * as prettier from 'prettier';
import { markdownTable, textTable } from '../../load/lib/support.mjs';
import { TARGETS } from './checks.mjs';

/**
 * The run's record as JSON in the shape the repository's prettier keeps, so that a report written
 * into the tree (`--out docs/chaos`) leaves `npm run check` green: JSON.stringify's indented
 * output, formatted by prettier's API (it keeps the objects expanded and puts short arrays on one
 * line). `file` is where it will be written: its prettier settings (and parser) apply.
 */
export async function reportJson(result, file) {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(JSON.stringify(result, null, 2), { ...options, filepath: file });
}

/** Writes `<base>.json` (see {@link reportJson}) and `<base>.md`. */
export async function writeReport(base, result, command) {
  await writeFile(`${base}.json`, await reportJson(result, `${base}.json`));
  await writeFile(`${base}.md`, renderMarkdown(result, command));
}

function livenessRows(result) {
  return result.liveness.map((r) => [
    r.fault,
    r.class,
    r.windowS,
    r.accepted,
    r.secondsWithout,
    r.longestGapS,
    r.clientLongestGapS ?? '-',
    r.loadStalledS ?? '-',
    r.target ?? '-',
    r.verdict,
    r.note,
  ]);
}

const LIVENESS_HEADER = [
  'fault',
  'class',
  'window s',
  'accepted',
  's without',
  'longest gap s',
  'as the buyers saw it s',
  'load stalled s',
  'target',
  'verdict',
  'what happened',
];
const CHECK_HEADER = ['check', 'verdict', 'detail'];
const checkRows = (result) => result.checks.map((c) => [c.name, c.ok ? 'PASS' : 'FAIL', c.detail]);

function settleLine(result) {
  const s = result.settleTarget;
  return `Settling: ${s.value === null ? `not quiet within ${TARGETS.pendingAfterHealMaxS} s` : `quiet ${s.value.toFixed(1)} s after the heal`} (target <= ${TARGETS.settleAfterHealS} s): ${s.verdict}; clients drained in ${result.settle.drainS.toFixed(1)} s`;
}

export function renderText(result) {
  return [
    `Chaos run: seed ${result.seed}, profile ${result.profile}, Node ${result.node}, ${result.durationS.toFixed(0)} s`,
    `Safety: ${result.safetyOk ? 'PASS' : 'FAIL'}`,
    textTable(CHECK_HEADER, checkRows(result)),
    '',
    'Liveness per fault (main product, which never sells out; services\' times; "s without" = whole seconds of the window in which buyers wanted it and none was taken; load stalls left out):',
    textTable(LIVENESS_HEADER, livenessRows(result)),
    settleLine(result),
    `Answers: ${JSON.stringify(result.clients.statuses)}; refusals ${JSON.stringify(result.clients.refusals)}; network errors ${result.clients.networkErrors}; unexpected answers ${result.clients.unexpectedCount}`,
    `Logs: ${result.logDir}`,
    '',
  ].join('\n');
}

export function renderMarkdown(result, command) {
  const plan = result.plan.map(
    (s, i) =>
      `${i + 1}. \`${s.kind}\`: ${s.what} (gap before ${s.gapBeforeS} s${s.downS ? `, ${s.downS} s` : ''}${s.skip ? `, after ${s.skip} orders` : ''})`,
  );
  const statuses = Object.entries(result.byStatus).map(
    ([label, by]) =>
      `- ${label}: ${Object.entries(by)
        .map(([k, v]) => `${k} ${v.orders} (${v.units} units)`)
        .join(', ')}`,
  );
  return [
    `# Chaos run: seed ${result.seed}, profile \`${result.profile}\``,
    '',
    `Command: \`${command}\`  `,
    `Node ${result.node}, started ${result.startedAt}, ${result.durationS.toFixed(0)} s in all, ${result.clients.buyers} buyers; ${result.machine.cores} cores, load average ${result.machine.loadAverageAtStart.join(' / ')} at the start and ${result.machine.loadAverageAtEnd.join(' / ')} at the end (the machine is shared)${result.extraEnv ? `; CHAOS_EXTRA_ENV=\`${result.extraEnv}\`` : ''}.`,
    '',
    `**Safety: ${result.safetyOk ? 'PASS' : 'FAIL'}. Liveness targets: ${result.livenessOk ? 'all PASS' : 'some MISS'}.**`,
    '',
    '## Schedule',
    '',
    ...plan,
    '',
    '## Safety checks',
    '',
    markdownTable(CHECK_HEADER, checkRows(result)),
    '',
    '## Liveness per fault',
    '',
    'On the main product (1,000,000 units: stock always remains). Window = from the fault until the next one starts (the last: until the heal). Times are the services\' own (`created_at` of each accepted order). "s without" = whole seconds of the window in which buyers wanted the product and no order was taken; "longest gap" = the longest stretch without an accepted order; both leave out "load stalled" (time in which the load generator itself did not run, so it could neither send nor read: the machine is shared). "as the buyers saw it" = the longest gap between 201s as the load generator read them (not judged). Targets (issue 12): at most 5 s after a service kill or a Redis loss; 0 s during a Kafka outage of up to 60 s.',
    '',
    markdownTable(LIVENESS_HEADER, livenessRows(result)),
    '',
    settleLine(result),
    '',
    '## Orders',
    '',
    ...statuses,
    `- answers seen by the clients: ${JSON.stringify(result.clients.statuses)}`,
    `- final refusals: ${JSON.stringify(result.clients.refusals)}`,
    `- network errors (retried on the other instance): ${result.clients.networkErrors}; unexpected answers: ${result.clients.unexpectedCount}`,
    '',
  ].join('\n');
}
