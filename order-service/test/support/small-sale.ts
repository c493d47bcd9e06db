import pMap from 'p-map';
import { bearer, newUserId } from './stack.js';

export interface OrderAnswer {
  status: number;
  body: { id?: string; code?: string };
}

/**
 * A small sale over HTTP: `buyers` customers (fresh ids, tokens signed as user-service signs)
 * each ordering one unit `ordersEach` times, at most `concurrency` requests in flight.
 */
export async function runSmallSale(
  orderServiceUrl: string,
  productId: string,
  options: { buyers: number; ordersEach: number; concurrency: number },
): Promise<OrderAnswer[]> {
  const requests = Array.from({ length: options.buyers }, () => bearer(newUserId())).flatMap(
    (auth) => Array.from({ length: options.ordersEach }, () => auth),
  );
  return pMap(
    requests,
    async (auth) => {
      const res = await fetch(`${orderServiceUrl}/api/orders`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ productId, quantity: 1 }),
      });
      return { status: res.status, body: (await res.json()) as OrderAnswer['body'] };
    },
    { concurrency: options.concurrency },
  );
}

/** One sample of a Prometheus text exposition: its labels and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** `GET /api/metrics`, parsed into samples by series name. */
export async function scrapeMetrics(serviceUrl: string): Promise<Map<string, Sample[]>> {
  const res = await fetch(`${serviceUrl}/api/metrics`);
  if (res.status !== 200) throw new Error(`metrics of ${serviceUrl}: ${res.status}`);
  const samples = new Map<string, Sample[]>();
  for (const line of (await res.text()).split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const [, name = '', rawLabels = '', value = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, key = '', val = ''] of rawLabels.matchAll(
      /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g,
    )) {
      labels[key] = val;
    }
    const list = samples.get(name) ?? [];
    list.push({ labels, value: Number(value) });
    samples.set(name, list);
  }
  return samples;
}

/** The value of `name` with (at least) these labels; throws when there is no such series. */
export function valueOf(
  samples: Map<string, Sample[]>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const sample = samples
    .get(name)
    ?.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (!sample) throw new Error(`no series ${name}${JSON.stringify(labels)}`);
  return sample.value;
}
