import { bearer, newUserId } from './stack.js';

export interface StreamResult {
  /** Ids and quantities of the orders answered 201, and the service URL that answered. */
  accepted: { id: string; quantity: number; url: string }[];
  /** How many answers of each status (0 = no answer: connection refused or reset). */
  statuses: Map<number, number>;
  /** Error codes of the answers that were not 201. */
  codes: Map<string, number>;
}

/**
 * Keeps `workers` buyers ordering `productId` against `url()` until `stop()` says so. Each
 * worker is its own user. Failed connections are counted as status 0 and retried after a pause
 * (the service may be restarting).
 */
export async function streamOrders(options: {
  url: () => string;
  productId: string;
  workers: number;
  stop: () => boolean;
  quantity?: (i: number) => number;
  pauseMs?: number;
  /** Called at each 201, as it comes (a test can wait for sales to flow or to resume). */
  onAccepted?: () => void;
}): Promise<StreamResult> {
  const result: StreamResult = { accepted: [], statuses: new Map(), codes: new Map() };
  const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  let n = 0;
  await Promise.all(
    Array.from({ length: options.workers }, async () => {
      const auth = bearer(newUserId());
      while (!options.stop()) {
        const quantity = options.quantity?.(n++) ?? 1;
        const url = options.url();
        try {
          const res = await fetch(`${url}/api/orders`, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json' },
            body: JSON.stringify({ productId: options.productId, quantity }),
            signal: AbortSignal.timeout(10_000),
          });
          count(result.statuses, res.status);
          const body = (await res.json()) as { id?: string; code?: string };
          if (res.status === 201 && body.id) {
            result.accepted.push({ id: body.id, quantity, url });
            options.onAccepted?.();
          } else if (body.code) count(result.codes, body.code);
          if (res.status === 503) await sleep(100);
        } catch {
          count(result.statuses, 0);
          await sleep(100);
        }
        if (options.pauseMs) await sleep(options.pauseMs);
      }
    }),
  );
  return result;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
