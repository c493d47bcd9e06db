// Steady load from buyers that behave like careful clients: each order has one Idempotency-Key,
// sent again (to either order-service instance) after a network error, a timeout or a 503/429,
// until a final answer arrives: 201/200 (accepted) or a 4xx refusal. Everything they see is
// recorded for the checks and the liveness table.
import { sleep } from './processes.mjs';
import { dice } from './random.mjs';

const REQUEST_TIMEOUT_MS = 10_000;
/** The stall watch: a timer every TICK_MS; one that fires more than STALL_MS late is a stall. */
const TICK_MS = 100;
const STALL_MS = 400;

/** What the clients saw during the run. Times are ms since the sale started. */
export class Recorder {
  constructor(saleStart) {
    this.saleStart = saleStart;
    /** orderId -> {key, userIndex, productId, quantity, t, status} (first acceptance). */
    this.accepted = new Map();
    /** key -> orderId: a replay must return the same order. */
    this.keyToOrder = new Map();
    /** Keys answered with two different order ids (a broken idempotency promise). */
    this.keyMismatches = [];
    /** productId -> sorted acceptance times. */
    this.acceptTimes = new Map();
    this.statuses = new Map();
    this.refusals = new Map();
    /** Every answer with status >= 500 other than 503 (the documented "try again"). */
    this.serverErrors = [];
    /** Other unexpected answers (400/401/404/422...). */
    this.unexpected = [];
    this.networkErrors = 0;
    /** Order ids whose owner asked to cancel them. */
    this.cancelRequested = new Set();
    this.cancelled = new Set();
    /** Keys still without a final answer when the clients gave up. */
    this.unanswered = [];
    /**
     * Every attempt, for the post-mortem of a liveness gap (written to the run's trace.jsonl):
     * [sent, answered (ms since the sale started), instance index, 'place'|'cancel', status or
     * the network error's name, the answer's code].
     */
    this.attempts = [];
    /** productId -> [first attempt, final answer] of each order (see demand). */
    this.wanted = new Map();
    /** [from, to] in which this process did not run (see watchStalls). */
    this.stalls = [];
  }

  attempt(sent, instance, what, outcome, code, productId = null) {
    this.attempts.push([sent, this.now(), instance, what, outcome, code ?? null, productId]);
  }

  /**
   * When buyers wanted an order of `productId`: from the first attempt of each order until its
   * final answer (retries and their back-off included).
   */
  demand(productId) {
    return this.wanted.get(productId) ?? [];
  }

  /**
   * Records the stretches in which this process's event loop did not run (a busy machine starves
   * the load generator too): a timer due every TICK_MS that fires more than STALL_MS late marks
   * [due, fired] as a stall. Returns a function that stops watching.
   */
  watchStalls() {
    let last = this.now();
    const timer = setInterval(() => {
      const now = this.now();
      if (now - last > STALL_MS) this.stalls.push([last + TICK_MS, now]);
      last = now;
    }, TICK_MS);
    return () => clearInterval(timer);
  }

  now() {
    return Date.now() - this.saleStart;
  }

  count(map, key) {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  accept({ key, userIndex, productId, quantity, status, order }) {
    const t = this.now();
    const previous = this.keyToOrder.get(key);
    if (previous && previous !== order.id)
      this.keyMismatches.push({ key, first: previous, then: order.id });
    if (previous) return;
    this.keyToOrder.set(key, order.id);
    this.accepted.set(order.id, { key, userIndex, productId, quantity, t, status });
    const times = this.acceptTimes.get(productId) ?? [];
    times.push(t);
    this.acceptTimes.set(productId, times);
  }
}

async function post(url, token, key, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: await readBody(res),
  };
}

async function put(url, token) {
  const res = await fetch(url, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: await readBody(res),
  };
}

async function readBody(res) {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

/** How long to wait before the next attempt: Retry-After, but at most 1 s (a keen client). */
function backoff(retryAfter) {
  const seconds = Number(retryAfter);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(1_000, seconds * 1_000) : 200;
}

/**
 * Runs the buyers until `control.stopping`; then each finishes the order it is on (same key)
 * until `control.drainDeadline`. `products` = {main: {id}, scarce: {id}}.
 */
export function startClients({ seed, tokens, orderUrls, products, recorder, control, profile }) {
  const runTag = `s${seed}`;
  const one = async (i) => {
    const rng = dice(seed * 7_919 + i + 1);
    const token = tokens[i];
    let n = 0;
    while (!control.stopping) {
      n += 1;
      const scarce = rng.next() < profile.scarceShare;
      const productId = scarce ? products.scarce.id : products.main.id;
      const quantity = scarce ? 1 : rng.int(1, 2);
      const cancelLater = !scarce && rng.next() < profile.cancelShare;
      const key = `${runTag}-c${i}-o${n}`;
      const wantedFrom = recorder.now();
      const order = await placeUntilFinal({
        i,
        n,
        key,
        token,
        productId,
        quantity,
        orderUrls,
        recorder,
        control,
      });
      const spans = recorder.wanted.get(productId) ?? [];
      spans.push([wantedFrom, recorder.now()]);
      recorder.wanted.set(productId, spans);
      if (order && cancelLater)
        await cancelUntilFinal({ i, order, token, orderUrls, recorder, control });
      await sleep(profile.thinkMs * (0.5 + rng.next()));
    }
  };
  return Promise.all(tokens.map((_, i) => one(i)));
}

async function placeUntilFinal({
  i,
  n,
  key,
  token,
  productId,
  quantity,
  orderUrls,
  recorder,
  control,
}) {
  for (let attempt = 0; ; attempt++) {
    if (control.stopping && Date.now() > control.drainDeadline) {
      recorder.unanswered.push({ key, productId, userIndex: i });
      return undefined;
    }
    const instance = (i + n + attempt) % orderUrls.length;
    const url = `${orderUrls[instance]}/api/orders`;
    const sent = recorder.now();
    let res;
    try {
      res = await post(url, token, key, { productId, quantity });
    } catch (error) {
      recorder.attempt(sent, instance, 'place', error?.name ?? 'Error', null, productId);
      recorder.networkErrors += 1;
      await sleep(100);
      continue;
    }
    recorder.attempt(sent, instance, 'place', res.status, res.body?.code, productId);
    recorder.count(recorder.statuses, res.status);
    if (res.status === 201 || res.status === 200) {
      recorder.accept({
        key,
        userIndex: i,
        productId,
        quantity,
        status: res.status,
        order: res.body,
      });
      return res.body;
    }
    if (res.status === 503 || res.status === 429) {
      await sleep(backoff(res.retryAfter));
      continue;
    }
    if (res.status >= 500) {
      recorder.serverErrors.push({
        t: recorder.now(),
        url,
        key,
        status: res.status,
        body: res.body,
      });
      await sleep(200);
      continue;
    }
    const code = res.body?.code ?? String(res.status);
    if (res.status === 409 && (code === 'OUT_OF_STOCK' || code === 'PURCHASE_LIMIT_EXCEEDED')) {
      recorder.count(recorder.refusals, `${productId} ${code}`);
      return undefined;
    }
    recorder.unexpected.push({ t: recorder.now(), url, key, status: res.status, body: res.body });
    return undefined;
  }
}

async function cancelUntilFinal({ i, order, token, orderUrls, recorder, control }) {
  recorder.cancelRequested.add(order.id);
  for (let attempt = 0; ; attempt++) {
    if (control.stopping && Date.now() > control.drainDeadline) return;
    const instance = (i + attempt) % orderUrls.length;
    const url = `${orderUrls[instance]}/api/orders/${order.id}/cancel`;
    const sent = recorder.now();
    let res;
    try {
      res = await put(url, token);
    } catch (error) {
      recorder.attempt(sent, instance, 'cancel', error?.name ?? 'Error');
      recorder.networkErrors += 1;
      await sleep(100);
      continue;
    }
    recorder.attempt(sent, instance, 'cancel', res.status, res.body?.code);
    recorder.count(recorder.statuses, res.status);
    if (res.status === 200) {
      recorder.cancelled.add(order.id);
      return;
    }
    if (res.status === 503 || res.status === 429) {
      await sleep(backoff(res.retryAfter));
      continue;
    }
    if (res.status >= 500) {
      recorder.serverErrors.push({
        t: recorder.now(),
        url,
        key: `cancel ${order.id}`,
        status: res.status,
        body: res.body,
      });
      await sleep(200);
      continue;
    }
    // 409 ORDER_NOT_CANCELLABLE (already cancelled by an earlier attempt, or FAILED): final.
    recorder.count(recorder.refusals, `cancel ${res.body?.code ?? res.status}`);
    return;
  }
}
