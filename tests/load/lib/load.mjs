// One autocannon run with per-status counts and latencies, optional early stop, and a progress
// line every second.
import autocannon from 'autocannon';
import { fmt, percentiles, progress } from './support.mjs';

/**
 * Builds autocannon `requests` that send the same request with each buyer's token in turn
 * (a shared counter across connections, so every token is used evenly).
 */
export function rotatingRequests({ method, path, body, tokens }) {
  const headerSets = (tokens.length > 0 ? tokens : [null]).map((token) => {
    const headers = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    return headers;
  });
  let next = 0;
  const base = { method, path, body: body === undefined ? undefined : JSON.stringify(body) };
  return [
    {
      ...base,
      headers: headerSets[0],
      setupRequest: (request) => {
        const headers = headerSets[next];
        next = (next + 1) % headerSets.length;
        return { ...request, headers };
      },
    },
  ];
}

/**
 * Runs autocannon. `shouldStop(state)` is checked every 25 ms (state: counts by status and
 * `ok`, the 2xx count, and `window`, the 2xx and 409 counts of the current second);
 * `extraProgress(state)` adds text to the progress line.
 */
export function runLoad({ label, url, requests, connections, seconds, shouldStop, extraProgress }) {
  return new Promise((resolve, reject) => {
    const counts = new Map();
    const latencies = new Map();
    const state = { counts, ok: 0, window: { ok: 0, refused: 0 }, stopped: undefined };
    // Answers per second of the run: [{accepted, refused, other}], for the charts.
    const timeline = [];
    const t0 = performance.now();
    let lastOkAt = t0;
    let lastTick = { t: t0, total: 0 };
    let total = 0;

    const instance = autocannon(
      { url, connections, duration: seconds, requests, timeout: 10 },
      (error, result) => {
        clearInterval(checker);
        clearInterval(ticker);
        if (error) return reject(error);
        const endedAt = performance.now();
        const byStatus = {};
        for (const [status, n] of [...counts].sort((a, b) => a[0] - b[0])) byStatus[status] = n;
        const latencyOf = (pred) =>
          percentiles([...latencies].filter(([s]) => pred(s)).flatMap(([, l]) => l));
        resolve({
          label,
          seconds: (endedAt - t0) / 1000,
          secondsToLastOk: (lastOkAt - t0) / 1000,
          lastOkAt,
          endedAt,
          connections,
          total,
          byStatus,
          errors: result.errors,
          timeouts: result.timeouts,
          stoppedBecause: state.stopped ?? 'duration',
          timeline: Array.from(timeline, (s) => s ?? { accepted: 0, refused: 0, other: 0 }),
          latency: {
            ok: latencyOf((s) => s >= 200 && s < 300),
            rejected: latencyOf((s) => s === 409),
            all: latencyOf(() => true),
          },
        });
      },
    );

    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      total++;
      counts.set(statusCode, (counts.get(statusCode) ?? 0) + 1);
      let list = latencies.get(statusCode);
      if (!list) latencies.set(statusCode, (list = []));
      list.push(responseTime);
      const second = Math.floor((performance.now() - t0) / 1000);
      const slot = (timeline[second] ??= { accepted: 0, refused: 0, other: 0 });
      if (statusCode >= 200 && statusCode < 300) slot.accepted++;
      else if (statusCode === 409) slot.refused++;
      else slot.other++;
      if (statusCode >= 200 && statusCode < 300) {
        state.ok++;
        state.window.ok++;
        lastOkAt = performance.now();
      } else if (statusCode === 409) {
        state.window.refused++;
      }
    });

    const checker = setInterval(() => {
      const reason = shouldStop?.(state);
      if (reason && !state.stopped) {
        state.stopped = reason;
        instance.stop();
      }
    }, 25);

    const ticker = setInterval(() => {
      const now = performance.now();
      const rate = ((total - lastTick.total) / (now - lastTick.t)) * 1000;
      lastTick = { t: now, total };
      const mix = [...counts]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}:${fmt.int(n)}`)
        .join(' ');
      const extra = extraProgress ? ` | ${extraProgress(state)}` : '';
      progress(
        `${label} ${((now - t0) / 1000).toFixed(0).padStart(3)}s ${fmt.int(rate).padStart(6)} req/s  ${mix}${extra}`,
      );
      state.window = { ok: 0, refused: 0 };
    }, 1_000);
  });
}
