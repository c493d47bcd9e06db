import { DynamicModule, Module, type RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { pino, type Logger as PinoLogger } from 'pino';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { APP_CONFIG } from '../config/config.module.js';
import type { BaseEnv } from '../config/env.schema.js';

/** A route by method and path (without the global prefix), as Nest's middleware `exclude` takes it. */
export interface RouteInfo {
  path: string;
  method: RequestMethod;
}

const QUIET_ROUTES = /^\/api\/(health|metrics)\b/;

/** What pino's standard request serializer gives us (see pino-std-serializers). */
interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  remoteAddress?: string;
  remotePort?: number;
}

/** A request in log lines: id, method, URL and peer; never headers (tokens, cookies) or bodies. */
export function requestSummary(req: SerializedRequest): SerializedRequest {
  return {
    id: req.id,
    method: req.method,
    url: req.url,
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}

/** What decides between JSON and human-readable log lines. */
export interface LogFormatContext {
  format: BaseEnv['LOG_FORMAT'];
  nodeEnv: BaseEnv['NODE_ENV'];
  stdoutIsTTY: boolean;
  /** pino-pretty can be loaded (a development dependency: production images lack it). */
  prettyInstalled: boolean;
}

/**
 * Human-readable lines for a person at a terminal in development (or when asked for with
 * `LOG_FORMAT=pretty`); JSON for everything that reads logs as data, and whenever pino-pretty
 * is not installed.
 */
export function usePrettyLogs(context: LogFormatContext): boolean {
  if (!context.prettyInstalled || context.format === 'json') return false;
  if (context.format === 'pretty') return true;
  return context.stdoutIsTTY && context.nodeEnv === 'development';
}

function prettyInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** pino-pretty's settings: one line per entry (npm start prefixes each line with the service). */
const PRETTY_TRANSPORT = {
  target: 'pino-pretty',
  options: {
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  },
};

/**
 * Structured JSON logs through pino (human-readable in development, see {@link usePrettyLogs}). Each request line and each log written during a request
 * carries the request id (Fastify's `request.id`, see {@link requestIdOf}); headers (tokens,
 * cookies) are never logged.
 */
@Module({})
export class LoggingModule {
  /**
   * @param withoutRequestLogger routes that get no pino-http child logger and no request line: hot
   * routes that log their own errors and slow answers (order-service's `POST /api/orders`).
   */
  static forRoot(service: string, withoutRequestLogger: RouteInfo[] = []): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: BaseEnv) => ({
            ...(withoutRequestLogger.length > 0 ? { exclude: withoutRequestLogger } : {}),
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
              // The request line names the request without its headers (they carry tokens and
              // cookies). pino-http serializes `req` into a child logger for every request, even
              // when that line is below LOG_LEVEL and never written: with the headers and their
              // redaction that cost ~10% of a sold-out order's CPU.
              serializers: { req: requestSummary },
              quietReqLogger: true,
              ...(usePrettyLogs({
                format: config.LOG_FORMAT,
                nodeEnv: config.NODE_ENV,
                stdoutIsTTY: process.stdout.isTTY === true,
                prettyInstalled: prettyInstalled(),
              })
                ? { transport: PRETTY_TRANSPORT }
                : {}),
            },
          }),
        }),
      ],
    };
  }
}

/**
 * A pino logger for code that runs outside a Nest application (a worker pool's primary), with the
 * same level and format rules as the services' own lines.
 */
export function createProcessLogger(
  service: string,
  config: Pick<BaseEnv, 'LOG_LEVEL' | 'LOG_FORMAT' | 'NODE_ENV'>,
): PinoLogger {
  const pretty = usePrettyLogs({
    format: config.LOG_FORMAT,
    nodeEnv: config.NODE_ENV,
    stdoutIsTTY: process.stdout.isTTY === true,
    prettyInstalled: prettyInstalled(),
  });
  return pino({
    name: service,
    level: config.LOG_LEVEL,
    ...(pretty ? { transport: PRETTY_TRANSPORT } : {}),
  });
}
