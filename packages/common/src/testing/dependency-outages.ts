import { describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';

/** A port on which nothing listens, to stand in for a dependency that is down. */
const DEAD_PORT = '1';

/**
 * Health answers 503 and names the dependency that is down. Builds a second app whose Kafka (or
 * Redis) address points at a closed port; MySQL must be reachable because migrations run at start.
 */
export function describeDependencyOutages(
  buildApp: (env: Record<string, string>) => Promise<NestFastifyApplication>,
): void {
  describe('health when a dependency is down', () => {
    it.each([
      ['kafka', { KAFKA_BROKER: `127.0.0.1:${DEAD_PORT}` }],
      ['redis', { REDIS_PORT: DEAD_PORT }],
    ])(
      'answers 503 naming %s and still serves GET /api',
      async (part, env) => {
        const app = await buildApp(env);
        try {
          const res = await request(app.getHttpServer()).get('/api/health').expect(503);
          expect(res.body.status).toBe('error');
          expect(Object.keys(res.body.error)).toEqual([part]);
          expect(res.body.error[part].status).toBe('down');
          expect(res.body.info.database.status).toBe('up');
          await request(app.getHttpServer()).get('/api').expect(200);
        } finally {
          await app.close();
        }
      },
      30_000,
    );
  });
}
