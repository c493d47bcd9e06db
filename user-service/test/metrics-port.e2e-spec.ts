import { createServer } from 'node:net';
import { startUserService, type RunningService } from './support/app.js';

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('METRICS_PORT (e2e)', () => {
  let service: RunningService;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    service = await startUserService({ METRICS_PORT: String(metricsPort), HOST: '127.0.0.1' });
  });

  afterAll(async () => {
    await service?.app.close();
  });

  it('serves the metrics on the internal port, in Prometheus text', async () => {
    for (const path of ['/api/metrics', '/metrics']) {
      const res = await fetch(`http://127.0.0.1:${metricsPort}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(await res.text()).toContain('process_cpu_seconds_total');
    }
    expect((await fetch(`http://127.0.0.1:${metricsPort}/api/users/profile`)).status).toBe(404);
  });

  it('no longer serves them on the public port', async () => {
    const res = await service.http().get('/api/metrics');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ROUTE_NOT_FOUND');
  });
});
