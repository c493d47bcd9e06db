import { requestSummary, usePrettyLogs } from './logging.module.js';

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

describe('usePrettyLogs', () => {
  const base = {
    format: 'auto',
    nodeEnv: 'development',
    stdoutIsTTY: true,
    prettyInstalled: true,
  } as const;

  it('is pretty at a terminal in development', () => {
    expect(usePrettyLogs(base)).toBe(true);
  });

  it('is JSON when stdout is not a terminal, outside development, or when asked for', () => {
    expect(usePrettyLogs({ ...base, stdoutIsTTY: false })).toBe(false);
    expect(usePrettyLogs({ ...base, nodeEnv: 'production' })).toBe(false);
    expect(usePrettyLogs({ ...base, nodeEnv: 'test' })).toBe(false);
    expect(usePrettyLogs({ ...base, format: 'json' })).toBe(false);
  });

  it('is pretty when asked for, wherever stdout goes', () => {
    expect(usePrettyLogs({ ...base, format: 'pretty', stdoutIsTTY: false })).toBe(true);
    expect(usePrettyLogs({ ...base, format: 'pretty', nodeEnv: 'production' })).toBe(true);
  });

  it('is JSON without pino-pretty installed (production images), even when asked for', () => {
    expect(usePrettyLogs({ ...base, prettyInstalled: false })).toBe(false);
    expect(usePrettyLogs({ ...base, format: 'pretty', prettyInstalled: false })).toBe(false);
  });
});
