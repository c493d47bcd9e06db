import { describe, expect, it } from '@jest/globals';
import type { ServiceTarget } from './env.js';
import { expectError } from './fixtures.js';
import { client } from './http.js';

/**
 * What every service answers the same way: identity, readiness, metrics, OpenAPI, and the error
 * shape for unknown routes, malformed JSON, oversized and non-JSON bodies.
 */
export function describeOperationalEndpoints(service: ServiceTarget): void {
  const api = client(service.url);

  describe('operational endpoints', () => {
    it('GET /api names the service', async () => {
      const res = await api.get('/api');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        service: service.name,
        status: 'ok',
        version: expect.any(String),
      });
    });

    it('GET /api/health reports MySQL, Redis and Kafka up', async () => {
      const res = await api.get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ok');
      for (const part of ['database', 'redis', 'kafka']) {
        expect(res.body.info[part]).toEqual(expect.objectContaining({ status: 'up' }));
      }
    });

    it('GET /api/health/ready reports MySQL and Redis up, and not Kafka', async () => {
      const res = await api.get('/api/health/ready');
      expect(res.status).toBe(200);
      expect(res.body.info.database).toEqual(expect.objectContaining({ status: 'up' }));
      expect(res.body.info.redis).toEqual(expect.objectContaining({ status: 'up' }));
      expect(res.body.info).not.toHaveProperty('kafka');
    });

    it('GET /api/health/live answers {status: ok}', async () => {
      const res = await api.get('/api/health/live');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /api/metrics serves Prometheus text with the request histogram', async () => {
      await api.get('/api');
      const res = await api.get('/api/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/^# HELP /m);
      expect(res.text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
      expect(res.text).toContain('http_request_duration_seconds_bucket{');
      expect(res.text).toContain(`service="${service.name}"`);
    });

    it('GET /api/docs serves the OpenAPI UI, and its document names the service', async () => {
      const ui = await api.get('/api/docs');
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toMatch(/^text\/html/);
      expect(ui.text).toContain('swagger');
      const doc = await api.get('/api/docs-json');
      expect(doc.status).toBe(200);
      expect(doc.body.info.title).toBe(service.name);
      expect(Object.keys(doc.body.paths as object).length).toBeGreaterThan(0);
    });

    it('echoes the x-request-id in the header and in error bodies', async () => {
      const res = await api.get('/api/no-such-route', {
        headers: { 'x-request-id': 'e2e-trace-1' },
      });
      expect(res.headers.get('x-request-id')).toBe('e2e-trace-1');
      expect(res.body.requestId).toBe('e2e-trace-1');
    });

    it('answers an unknown route with 404 ROUTE_NOT_FOUND in the error shape', async () => {
      expectError(await api.get('/api/no-such-route'), 404, 'ROUTE_NOT_FOUND');
      expectError(await api.get('/no-api-prefix'), 404, 'ROUTE_NOT_FOUND');
    });

    it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
      const res = await api.post('/api/no-such-route', {
        raw: '{"broken": ',
        headers: { 'content-type': 'application/json' },
      });
      expectError(res, 400, 'MALFORMED_JSON');
    });

    it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await api.post('/api/no-such-route', {
        json: { padding: 'x'.repeat(64 * 1024) },
      });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    });
  });
}
