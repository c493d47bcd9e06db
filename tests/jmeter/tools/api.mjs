// Small HTTP helpers for the scripts around the JMeter plans (set-up and checks), so they speak
// to the services exactly as a client does.
import { requestJson as request } from '@flash-sale/test-tools/http';

export { request };

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
