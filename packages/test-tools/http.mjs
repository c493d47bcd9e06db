// The JSON request of the scripts around the tests (the JMeter tools, the benchmark's set-up and
// checks), so they speak to the services exactly as a client does.

/**
 * Calls a JSON route with an optional Bearer token and JSON body; resolves to `{status, body}`
 * (the body parsed when it is JSON, else its text; `null` when empty) and never throws for an
 * HTTP error status, only when the service cannot be reached in `timeoutMs`.
 *
 * @param {string} method
 * @param {string} url
 * @param {{token?: string, body?: unknown, timeoutMs?: number}} [options]
 * @returns {Promise<{status: number, body: any}>}
 */
export async function requestJson(method, url, { token, body, timeoutMs = 15_000 } = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: res.status, body: parsed };
}
