import { describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { RUN_NODE_TEST_TIMEOUT_MS, runNode } from './run-node.js';

/** An operation of the OpenAPI document, as far as the checks below read it. */
interface OperationDoc {
  'x-public'?: boolean;
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/**
 * The end-to-end checks every service passes: `GET /api`, health, metrics, OpenAPI, the error
 * shape for unknown routes, malformed JSON and oversized bodies, and refusal of bad env at start.
 */
export function describeOperationalEndpoints(
  serviceName: string,
  getApp: () => NestFastifyApplication,
  mainScript: string,
): void {
  describe('operational endpoints', () => {
    const http = () => request(getApp().getHttpServer());

    it('GET /api names the service', async () => {
      const res = await http().get('/api').expect(200);
      expect(res.body).toEqual({ service: serviceName, status: 'ok', version: expect.any(String) });
    });

    it('GET /api/health reports MySQL, Redis and Kafka up', async () => {
      const res = await http().get('/api/health').expect(200);
      expect(res.body.status).toBe('ok');
      for (const part of ['database', 'redis', 'kafka']) {
        expect(res.body.info[part].status).toBe('up');
      }
    });

    it('GET /api/health/ready turns 200 with MySQL and Redis up, without checking Kafka', async () => {
      // A service's own conditions may take a moment after start (order-service: the counters).
      const deadline = Date.now() + 20_000;
      let res = await http().get('/api/health/ready');
      while (res.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        res = await http().get('/api/health/ready');
      }
      expect(res.status).toBe(200);
      expect(res.body.info.database.status).toBe('up');
      expect(res.body.info.redis.status).toBe('up');
      expect(res.body.info).not.toHaveProperty('kafka');
    });

    it('GET /api/health/live answers without checking anything', async () => {
      const res = await http().get('/api/health/live').expect(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /api/metrics serves Prometheus text with the request histogram', async () => {
      await http().get('/api').expect(200);
      const res = await http().get('/api/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toContain('http_request_duration_seconds_bucket');
      expect(res.text).toContain(`service="${serviceName}"`);
    });

    it('GET /api/docs serves the OpenAPI UI and document', async () => {
      await http().get('/api/docs').expect(200);
      const res = await http().get('/api/docs-json').expect(200);
      expect(res.body.info.title).toBe(serviceName);
    });

    it("types every operation's error answers with the ErrorResponse schema", async () => {
      const res = await http().get('/api/docs-json').expect(200);
      const doc = res.body as {
        components: { schemas: Record<string, { properties: { code: { enum: string[] } } }> };
        paths: Record<string, Record<string, OperationDoc>>;
      };
      expect(doc.components.schemas.ErrorResponse?.properties.code.enum).toContain(
        'VALIDATION_FAILED',
      );
      const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
      );
      expect(operations.length).toBeGreaterThan(3);
      for (const { path, method, operation } of operations) {
        const where = `${method.toUpperCase()} ${path}`;
        const errors = Object.keys(operation.responses).filter((s) => Number(s) >= 400);
        expect({ where, has500and503: ['500', '503'].every((s) => errors.includes(s)) }).toEqual({
          where,
          has500and503: true,
        });
        if (operation['x-public'] !== true)
          expect({ where, errors }).toEqual({ where, errors: expect.arrayContaining(['401']) });
        if (operation.requestBody) {
          expect({ where, errors }).toEqual({
            where,
            errors: expect.arrayContaining(['400', '413', '415']),
          });
        }
        for (const status of errors) {
          expect({
            where,
            status,
            schema: operation.responses[status]?.content?.['application/json']?.schema,
          }).toEqual({
            where,
            status,
            schema: { $ref: '#/components/schemas/ErrorResponse' },
          });
        }
      }
    });

    it('challenges every 401 of the guard with WWW-Authenticate: Bearer', async () => {
      const doc = (await http().get('/api/docs-json').expect(200)).body as {
        paths: Record<string, Record<string, OperationDoc>>;
      };
      // Any route that needs a token; path parameters get a placeholder.
      const guarded = Object.entries(doc.paths).find(
        ([, operations]) => operations.get && !operations.get['x-public'],
      );
      expect(guarded).toBeDefined();
      const path = (guarded?.[0] ?? '').replace(/\{[^}]+\}/g, 'x');

      const anonymous = await http().get(path).expect(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      const refused = await http().get(path).set('authorization', 'Bearer a.b.c').expect(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(refused.body.code).toBe('UNAUTHORIZED');
    });

    it('echoes a sane x-request-id and replaces a hostile one', async () => {
      const kept = await http().get('/api').set('x-request-id', 'trace-123').expect(200);
      expect(kept.headers['x-request-id']).toBe('trace-123');
      const replaced = await http()
        .get('/api')
        .set('x-request-id', 'bad id\twith spaces')
        .expect(200);
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers an unknown route with 404 ROUTE_NOT_FOUND in the error shape', async () => {
      const res = await http()
        .get('/api/no-such-route')
        .set('x-request-id', 'trace-404')
        .expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: expect.any(String),
        code: 'ROUTE_NOT_FOUND',
        requestId: 'trace-404',
      });
    });

    it('answers malformed JSON with 400 MALFORMED_JSON, not 500', async () => {
      const res = await http()
        .post('/api/no-such-route')
        .set('content-type', 'application/json')
        .send('{"broken": ')
        .expect(400);
      expect(res.body.code).toBe('MALFORMED_JSON');
    });

    it('answers JSON nested too deep with 400 VALIDATION_FAILED, not 500', async () => {
      const res = await http()
        .post('/api/no-such-route')
        .set('content-type', 'application/json')
        .send(`{"quantity": ${'['.repeat(2_000)}${']'.repeat(2_000)}}`)
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await http()
        .post('/api/no-such-route')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ padding: 'x'.repeat(64 * 1024) }))
        .expect(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });
  });

  describe('start-up configuration', () => {
    it.each([
      ['PORT', 'abc'],
      ['DB_PORT', '-1'],
      ['KAFKA_BROKER', ''],
    ])(
      'refuses %s=%j at start, naming the variable',
      async (name, value) => {
        const outcome = await runNode(mainScript, { [name]: value });
        expect(outcome.code).toBe(1);
        expect(outcome.stderr).toContain(`${name}:`);
      },
      RUN_NODE_TEST_TIMEOUT_MS,
    );
  });
}
