import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { APP_CONFIG } from '../config/config.module.js';
import type { BaseEnv } from '../config/env.schema.js';

const QUIET_ROUTES = /^\/api\/(health|metrics)\b/;

/**
 * Structured JSON logs through pino. Each request line and each log written during a request
 * carries the request id (Fastify's `request.id`, see {@link requestIdOf}); tokens are redacted.
 */
@Module({})
export class LoggingModule {
  static forRoot(service: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: BaseEnv) => ({
            pinoHttp: {
              name: service,
              level: config.LOG_LEVEL,
              // Fastify assigned the id already (middie copies it onto the raw request).
              genReqId: (req: IncomingMessage) =>
                (req as IncomingMessage & { id?: string }).id ?? '',
              // Middie strips the mount path from req.url; originalUrl keeps the full path.
              autoLogging: {
                ignore: (req: IncomingMessage) =>
                  QUIET_ROUTES.test((req as { originalUrl?: string }).originalUrl ?? req.url ?? ''),
              },
              redact: ['req.headers.authorization', 'req.headers.cookie'],
              quietReqLogger: true,
            },
          }),
        }),
      ],
    };
  }
}
