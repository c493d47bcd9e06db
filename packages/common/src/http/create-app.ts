import { readFileSync } from 'node:fs';
import { Logger as NestLogger, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { JWKS_ROUTE } from '../auth/access-token.keys.js';
import type { BaseEnv } from '../config/env.schema.js';
import { ConfigValidationError } from '../config/load-config.js';
import { HttpErrorFilter } from '../errors/http-error.filter.js';
import { createValidationPipe } from '../errors/validation.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { installJsonBodyParser } from './json-body-parser.js';
import { withErrorResponses } from './openapi-errors.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';
import type { ServiceInfo } from './service-info.controller.js';

export interface CreateAppOptions {
  info: ServiceInfo;
  /** One line for the OpenAPI page. */
  description: string;
  /** Keep Nest's own start-up logs (off in tests). */
  bufferLogs?: boolean;
  /** Routes served outside the `/api` prefix (a page for browsers, say), as Nest paths. */
  unprefixedRoutes?: string[];
}

/**
 * Builds a service's HTTP application the same way everywhere: Fastify with a body limit, routes
 * under `/api`, request ids, the validation pipe, the error filter, metrics and OpenAPI at
 * `/api/docs`. Tests call this too, so they exercise exactly what production runs.
 */
export async function createApp(
  module: DynamicModule,
  config: BaseEnv,
  options: CreateAppOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT,
    genReqId: requestIdOf,
    requestIdHeader: false,
    trustProxy: config.TRUST_PROXY,
    // Long path parameters reach validation (a clear 400) instead of Fastify's bare 414.
    maxParamLength: 16_384,
    // Nest's adapter answers 404 for unknown routes through the error filter.
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: options.bufferLogs ?? true,
  });
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix('api', { exclude: [JWKS_ROUTE, ...(options.unprefixedRoutes ?? [])] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();

  const metrics = app.get(MetricsService);
  metrics.setServiceLabel(options.info.name);
  const fastify = app.getHttpAdapter().getInstance();
  installJsonBodyParser(app);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1_000,
    );
    done();
  });

  const document = withErrorResponses(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(options.info.name)
        .setDescription(options.description)
        .setVersion(options.info.version)
        .addBearerAuth()
        .build(),
    ),
  );
  SwaggerModule.setup('api/docs', app, document);
  return app;
}

/** Creates the app and listens on `HOST:PORT`; logs where it is reachable. */
export async function startApp(
  module: DynamicModule,
  config: BaseEnv,
  options: CreateAppOptions,
): Promise<NestFastifyApplication> {
  const app = await createApp(module, config, options);
  await app.listen(config.PORT, config.HOST);
  new NestLogger('Bootstrap').log(
    `${options.info.name} ${options.info.version} listening on http://${config.HOST}:${config.PORT}/api`,
  );
  return app;
}

/**
 * Loads configuration with `load`; on a bad value prints which variable is wrong and exits 1
 * (before anything else starts).
 */
export function loadConfigOrExit<C>(load: () => C): C {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Reads `version` from the package.json next to a service's `src/` or `dist/`. */
export function readPackageVersion(mainModuleUrl: string): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', mainModuleUrl), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}
