// Small HTTP helpers for the scripts around the JMeter plans (set-up and checks), so they speak
// to the services exactly as a client does.

/** Calls a JSON route; returns {status, body} and never throws for an HTTP error status. */
export async function request(method, url, { token, body, timeoutMs = 15_000 } = {}) {
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

/** Logs in and returns the access token, or throws naming the answer. */
export async function login(userServiceUrl, username, password) {
  const res = await request('POST', `${userServiceUrl}/api/users/login`, {
    body: { username, password },
  });
  if (res.status !== 200 || typeof res.body?.accessToken !== 'string') {
    throw new Error(
      `login of "${username}" at ${userServiceUrl} answered ${res.status} ${JSON.stringify(res.body)}`,
    );
  }
  return res.body.accessToken;
}
