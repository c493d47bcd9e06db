import { setTimeout as sleep } from 'node:timers/promises';
import { request as httpRequest } from 'node:http';
/** A thin fetch wrapper: every call gives back status, headers, raw text and parsed JSON body. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  // Response bodies are untyped JSON; the assertions are what check their shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RequestOptions {
  token?: string;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as is (for malformed or oversized bodies); set `content-type` in `headers`. */
  raw?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export async function request(
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  const res = await fetch(url, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  if ((res.headers.get('content-type') ?? '').includes('json') && text.length > 0) {
    parsed = JSON.parse(text);
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** Binds `request` to one service's base URL: `api.get('/api/x')`. */
export function client(baseUrl: string) {
  const call = (method: string) => (path: string, options?: RequestOptions) =>
    request(method, `${baseUrl}${path}`, options);
  return {
    url: baseUrl,
    get: call('GET'),
    post: call('POST'),
    put: call('PUT'),
    delete: call('DELETE'),
    patch: call('PATCH'),
  };
}

export type Client = ReturnType<typeof client>;

export { sleep };

/** Polls `probe` until `done` holds or `timeoutMs` passes; returns the last value either way. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(intervalMs);
    value = await probe();
  }
  return value;
}

/**
 * {@link request} over a connection whose local address is `localAddress`: on Linux all of
 * 127.0.0.0/8 is loopback, so a test can be a second client (127.0.0.2) of a service on 127.0.0.1
 * without trusting any forwarding header. JSON bodies only.
 */
export function requestFrom(
  localAddress: string,
  method: string,
  url: string,
  options: Pick<RequestOptions, 'json' | 'token' | 'timeoutMs'> = {},
): Promise<HttpResult> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        headers,
        localAddress,
        signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders.set(name, String(value));
          }
          const json = (res.headers['content-type'] ?? '').includes('json') && text.length > 0;
          resolve({
            status: res.statusCode ?? 0,
            headers: responseHeaders,
            text,
            body: json ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
