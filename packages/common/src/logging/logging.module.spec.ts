import { requestSummary } from './logging.module.js';

describe('requestSummary', () => {
  it('keeps the request line and peer, never headers or body', () => {
    const serialized = {
      id: 'r-1',
      method: 'POST',
      url: '/api/orders',
      headers: { authorization: 'Bearer secret', cookie: 'sid=secret' },
      body: { password: 'secret' },
      remoteAddress: '127.0.0.1',
      remotePort: 40_000,
    };
    const summary = requestSummary(serialized);

    expect(summary).toEqual({
      id: 'r-1',
      method: 'POST',
      url: '/api/orders',
      remoteAddress: '127.0.0.1',
      remotePort: 40_000,
    });
    expect(JSON.stringify(summary)).not.toContain('secret');
  });
});
