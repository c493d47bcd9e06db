// The benchmark's summary, as a terminal table and as Markdown (docs/benchmark/README.md).
import { renderSaleAudit } from '@flash-sale/common/audit';
import { fmt, markdownTable, textTable } from './support.mjs';

function statusMix(phase) {
  const parts = Object.entries(phase.byStatus).map(([s, n]) => `${s}: ${fmt.int(n)}`);
  // autocannon counts a timeout (no answer within 10 s) as an error too.
  const others = phase.errors - phase.timeouts;
  if (phase.timeouts) parts.push(`timeouts (10 s): ${fmt.int(phase.timeouts)}`);
  if (others > 0) parts.push(`connection errors: ${fmt.int(others)}`);
  return parts.join(', ') || '-';
}

function loadRows(r) {
  const row = (name, phase, rps, latency, seconds) =>
    phase
      ? [
          name,
          fmt.int(rps),
          fmt.s(seconds),
          fmt.ms(latency.p50),
          fmt.ms(latency.p95),
          fmt.ms(latency.p99),
          fmt.ms(latency.max),
          statusMix(phase),
        ]
      : [name, 'skipped', '', '', '', '', '', ''];
  return {
    header: ['run', 'req/s', 'time', 'p50', 'p95', 'p99', 'max', 'status mix'],
    rows: [
      row(
        'orders: POST /api/orders until sold out (201s)',
        r.orderPhase,
        r.orderPhase.rps,
        r.orderPhase.latency.ok,
        r.orderPhase.secondsToLastOk,
      ),
      row(
        'sold out: POST /api/orders (409s)',
        r.soldOutPhase,
        r.soldOutPhase.rps,
        r.soldOutPhase.latency.rejected,
        r.soldOutPhase.seconds,
      ),
      row(
        'floor: bare Fastify GET /hello',
        r.floors.hello,
        r.floors.hello?.rps,
        r.floors.hello?.latency.ok,
        r.floors.hello?.seconds,
      ),
      row(
        'floor: bare Fastify + reserve-stock.lua',
        r.floors.lua,
        r.floors.lua?.rps,
        r.floors.lua?.latency.ok,
        r.floors.lua?.seconds,
      ),
    ],
  };
}

function ratioRows(r) {
  return [
    ['orders/s / Fastify+Lua floor req/s', fmt.ratio(r.ratios.orderThroughputVsLuaFloor)],
    [
      'order p99 / Fastify+Lua floor p99',
      r.ratios.orderP99VsLuaFloorP99 === null
        ? '-'
        : `${r.ratios.orderP99VsLuaFloorP99.toFixed(2)}x`,
    ],
    [
      'sold-out rejections/s / bare Fastify req/s',
      fmt.ratio(r.ratios.soldOutThroughputVsHelloFloor),
    ],
  ];
}

function settleRows(r) {
  const s = r.settlement;
  const b = s.byStatus;
  return [
    [
      'accepted (201) / stored / lost',
      `${fmt.int(s.acceptedByHttp)} / ${fmt.int(s.storedOrders)} / ${fmt.int(s.lostAcceptedOrders)}`,
    ],
    [
      'CONFIRMED / FAILED / PENDING / CANCELLED',
      `${fmt.int(b.CONFIRMED.n)} / ${fmt.int(b.FAILED.n)} / ${fmt.int(b.PENDING.n)} / ${fmt.int(b.CANCELLED.n)}`,
    ],
    [
      'settle latency per order p50 / p95 / p99 / max',
      [s.perOrderMs.p50, s.perOrderMs.p95, s.perOrderMs.p99, s.perOrderMs.max]
        .map(fmt.ms)
        .join(' / '),
    ],
    ...(s.legs
      ? [
          [
            '  request leg: created -> inventory processed p50 / p99',
            `${fmt.ms(s.legs.requestLegMs.p50)} / ${fmt.ms(s.legs.requestLegMs.p99)}`,
          ],
          [
            '  answer leg: inventory processed -> settled p50 / p99',
            `${fmt.ms(s.legs.answerLegMs.p50)} / ${fmt.ms(s.legs.answerLegMs.p99)}`,
          ],
        ]
      : []),
    [
      'time to settle: last 201 -> no PENDING (observed)',
      s.observedSecondsAfterLastAccepted === null
        ? 'not settled in time'
        : fmt.s(s.observedSecondsAfterLastAccepted),
    ],
    [
      'time to settle: last created -> last settled (DB)',
      s.lastCreatedToLastSettledMs === null ? '-' : fmt.s(s.lastCreatedToLastSettledMs / 1000),
    ],
    ['stock / confirmed units', `${fmt.int(s.stock)} / ${fmt.int(s.confirmedUnits)}`],
    [
      'Redis counter / reservations left / MySQL stock',
      `${s.redisCounter ?? 'missing'} / ${s.redisReservations} / ${s.mysqlStock ?? 'missing'}`,
    ],
    ['oversold / leaked / MySQL drift', `${s.oversold} / ${s.leaked} / ${s.mysqlDrift ?? '-'}`],
  ];
}

function resourceRows(r) {
  const whole = r.resources.wholeRun.processes;
  const underLoad = r.resources.duringLoad.processes;
  const phaseCpu = (name, phase) => {
    const p = phase?.resources?.processes?.[name];
    return p ? fmt.pct(p.meanCpuPercent) : '-';
  };
  return {
    header: [
      'process',
      'pid',
      'peak RSS',
      'peak RSS under load',
      'mean RSS',
      'CPU orders',
      'CPU sold out',
      'peak CPU',
    ],
    rows: Object.entries(whole).map(([name, p]) => [
      name,
      String(p.pid),
      fmt.mib(p.peakRssMiB),
      fmt.mib(underLoad[name]?.peakRssMiB),
      fmt.mib(p.meanRssMiB),
      phaseCpu(name, r.orderPhase),
      phaseCpu(name, r.soldOutPhase),
      fmt.pct(p.peakCpuPercent),
    ]),
  };
}

/** µs of CPU per answer, per process: accepted orders, sold-out refusals and the floors. */
function cpuCostRows(r) {
  const c = r.cpuCost;
  if (!c) return null;
  const us = (x) => (x === null || x === undefined ? '-' : `${fmt.int(x)} µs`);
  /** Raw, and net of the process's idle CPU when the run measured it. */
  const usNet = (p) =>
    !p
      ? '-'
      : p.netUsPerAnswer === null || p.netUsPerAnswer === undefined
        ? us(p.usPerAnswer)
        : `${us(p.usPerAnswer)} (net ${us(p.netUsPerAnswer)})`;
  const names = [
    ...new Set([...Object.keys(c.order.processes), ...Object.keys(c.soldOut.processes)]),
  ].filter((n) => !n.startsWith('floor'));
  const floorUs = (key) => {
    const f = r.floors?.[key]?.cpuCost?.processes?.['floor (fastify)'];
    return f ? us(f.usPerAnswer) : '-';
  };
  const settled = c.soldOutSettled;
  const rows = names.map((name) => [
    name,
    usNet(c.order.processes[name]),
    usNet(c.soldOut.processes[name]),
    usNet(settled?.processes[name]),
  ]);
  rows.push([
    `**pipeline** (${c.order.pipeline.counted.join(' + ')})`,
    usNet(c.order.pipeline),
    usNet(c.soldOut.pipeline),
    usNet(settled?.pipeline),
  ]);
  rows.push(['floor process: Fastify+Lua / bare Fastify', floorUs('lua'), floorUs('hello'), '']);
  const allow = (p) =>
    p?.answersPerSecondOnAllCores ? fmt.int(p.answersPerSecondOnAllCores) : '-';
  const allowGen = (p) =>
    p?.answersPerSecondWithGenerator ? fmt.int(p.answersPerSecondWithGenerator) : '-';
  rows.push([
    `what the pipeline's CPU allows on ${c.order.cores} cores (per s)`,
    allow(c.order.pipeline),
    allow(c.soldOut.pipeline),
    allow(settled?.pipeline),
  ]);
  rows.push([
    "the same, with the load generator's share",
    allowGen(c.order.pipeline),
    allowGen(c.soldOut.pipeline),
    allowGen(settled?.pipeline),
  ]);
  return {
    header: [
      'process',
      `per accepted order (${fmt.int(c.order.answers)})`,
      `per sold-out refusal, whole phase (${fmt.int(c.soldOut.answers)})`,
      `per refusal once every order settled (${settled ? fmt.int(settled.answers) : 'never settled'})`,
    ],
    rows,
  };
}

function profileLines(r) {
  if (!r.profiles) return [];
  return Object.entries(r.profiles).flatMap(([phase, p]) => [
    `order-service, ${phase} phase: flame graph ${p.svg}, profile ${p.cpuprofile}; self time:`,
    ...p.topSelfTime
      .slice(0, 10)
      .map((t) => `  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.site}`),
  ]);
}

function sellOutNote(r) {
  if (!r.sellOut) return '';
  return `, then an unmeasured sell-out step took ${fmt.int(r.sellOut.byStatus[201] ?? 0)} more orders in ${fmt.s(r.sellOut.secondsToLastOk)}`;
}

function machineLine(m) {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}, Redis ${m.redis ?? '?'}, MariaDB ${m.mariadb ?? '?'}, Kafka ${m.kafka ?? '?'}`;
}

export function renderText(r) {
  const load = loadRows(r);
  const res = resourceRows(r);
  const cost = cpuCostRows(r);
  const lines = [
    `Flash-sale benchmark, ${r.startedAt}`,
    `Machine: ${machineLine(r.machine)}`,
    `Command: ${r.command}`,
    `Product ${r.productId}: ${fmt.int(r.settlement.stock)} units; ${r.options.connections} connections; ${r.buyers.count} buyers; order phase ended: ${r.orderPhase.stoppedBecause}${sellOutNote(r)}`,
    '',
    textTable(load.header, load.rows),
    '',
    textTable(['ratio', 'value'], ratioRows(r)),
    '',
    `Settlement (${r.settlement.source})`,
    textTable(['figure', 'value'], settleRows(r)),
    '',
    `Resources (sampled from /proc every ${r.options.sampleMs} ms; CPU 100% = one core)`,
    textTable(res.header, res.rows),
    `Machine CPU busy during order/sold-out/settle: ${fmt.pct(r.machine.busyPercentDuringLoad)} of ${r.machine.cores} cores`,
    `Other busy processes: ${r.machine.otherBusyProcesses.map((p) => `${p.command} (${fmt.pct(p.cpuPercent)})`).join('; ') || 'none'}`,
    '',
    ...(cost
      ? [`CPU per answer (${r.cpuCost.method})`, textTable(cost.header, cost.rows), '']
      : []),
    ...profileLines(r),
    '',
    renderSaleAudit(r.audit),
    'Notes',
    ...r.notes.map((n) => `- ${n}`),
    '',
    'Targets',
    textTable(
      ['result', 'target', 'measured'],
      r.targets.map((t) => [t.result, t.name, t.value]),
    ),
    '',
    r.allPass
      ? `All ${r.targets.some((t) => t.result === 'n/a') ? 'evaluated ' : ''}targets PASS.`
      : `MISS: ${r.targets.filter((t) => t.result === 'MISS').length} target(s).`,
  ];
  return lines.join('\n');
}

export function renderMarkdown(r, jsonFile, charts = []) {
  const load = loadRows(r);
  const res = resourceRows(r);
  const cost = cpuCostRows(r);
  const m = r.machine;
  return `# Flash-sale benchmark: latest run

Written by \`npm run bench\` (tests/load/flash-sale-bench.mjs, see tests/load/README.md for the
method); the full figures are in [${jsonFile}](${jsonFile}).

- Run: ${r.startedAt} -> ${r.finishedAt}
- Command: \`${r.command}\`
- Product \`${r.productId}\`: ${fmt.int(r.settlement.stock)} units, ${r.options.quantity} per order;
  ${r.options.connections} connections; ${r.buyers.count} buyers with rotating tokens; order phase
  ended: ${r.orderPhase.stoppedBecause}${sellOutNote(r)}; sold-out phase ${r.options.soldOutSeconds} s; floors ${r.options.orderSeconds} s each
  after ${r.options.warmupSeconds} s of warm-up.

## Machine

| | |
| --- | --- |
| CPU | ${m.cpuModel}, ${m.cores} cores |
| Memory | ${m.memoryGiB} GiB (${m.freeMemoryGiB} GiB free at start) |
| OS | ${m.os} |
| Node | ${m.node} |
| Redis / MariaDB / Kafka | ${m.redis ?? '?'} / ${m.mariadb ?? '?'} / ${m.kafka ?? '?'} |
| Services | ${r.services.map((s) => `${s.name} ${s.version ?? ''}${s.startedByBench ? ' (started by the bench)' : ' (already running)'}`).join(', ')} |
| Load average at start | ${m.loadAverageAtStart.join(' ')} |
| Machine CPU busy during the load phases | ${fmt.pct(m.busyPercentDuringLoad)} of ${m.cores} cores |
| Other busy processes | ${m.otherBusyProcesses.map((p) => `\`${p.command}\` ${fmt.pct(p.cpuPercent)}`).join('; ') || 'none'} |

Everything, including the load generator (autocannon, in the bench's own process), runs on this
one machine: the figures compare the services with the floors under the same conditions, not with
other machines.

## Targets

${markdownTable(
  ['result', 'target', 'measured'],
  r.targets.map((t) => [`**${t.result}**`, t.name, t.value]),
)}

## Throughput and latency

${markdownTable(load.header, load.rows)}
${charts.map((file) => `\n![${file.replace(/\.svg$/, '').replaceAll('-', ' ')}](${file})\n`).join('')}
${markdownTable(['ratio', 'value'], ratioRows(r))}

## Settlement and stock

${r.settlement.source}.

${markdownTable(['figure', 'value'], settleRows(r))}

## Audit

What \`npm run audit -- ${r.productId}\` printed at the end of the run:

\`\`\`text
${renderSaleAudit(r.audit).trimEnd()}
\`\`\`

## Resources

Sampled from /proc every ${r.options.sampleMs} ms. Peak RSS covers the whole run (buyer
registration included: argon2id takes 19 MiB per hash); "under load" only the order, sold-out and
settle phases. CPU is the mean during the phase, 100% = one core.

${markdownTable(res.header, res.rows)}
${
  cost
    ? `
## CPU per answer

${r.cpuCost.method}. Less sensitive to other load on the machine than requests per second; the
load generator (the bench's own process) is not part of the pipeline.

${markdownTable(cost.header, cost.rows)}
`
    : ''
}${
    r.profiles
      ? `
## Profiles (order-service)

${Object.entries(r.profiles)
  .map(
    ([phase, p]) =>
      `- ${phase} phase: ![flame graph, ${phase}](${p.svg}) top self time: ${p.topSelfTime
        .slice(0, 8)
        .map((t) => `${t.site} ${(t.share * 100).toFixed(1)}%`)
        .join('; ')}`,
  )
  .join('\n')}
`
      : ''
  }
## Notes

${r.notes.map((n) => `- ${n}`).join('\n')}
`;
}
