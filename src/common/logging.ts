import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DestinationStream } from 'pino';
import type { Params } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';

/** Headers that carry credentials: never written to a log. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-migrate-secret"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** Liveness and readiness probes, including the contract's /api/health: too frequent to log. */
const HEALTH_PROBE = /^\/(api\/)?health(\/|\?|$)/;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A caller-supplied X-Request-Id is kept when it is short and plain; otherwise a fresh UUID. */
export function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

function prettyTransport(): { target: string; options: object } | undefined {
  try {
    require.resolve('pino-pretty');
    return { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } };
  } catch {
    return undefined; // production images prune dev dependencies: JSON it is
  }
}

/**
 * JSON logs in production (one object per line, for the platform's log drain), pretty ones in
 * development. Each request is logged once, with its id; health probes are not logged.
 */
export function loggerParams(config: AppConfig, stream?: DestinationStream): Params {
  const transport = config.nodeEnv === 'development' && !stream ? prettyTransport() : undefined;
  const options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? requestId(req.headers['x-request-id']),
    autoLogging: { ignore: (req: IncomingMessage) => HEALTH_PROBE.test(req.url ?? '') },
    customLogLevel: (_req: IncomingMessage, res: { statusCode: number }, err?: Error) =>
      err || res.statusCode >= 500 ? ('error' as const) : res.statusCode >= 400 ? ('warn' as const) : ('info' as const),
    serializers: {
      req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        headers: req.headers,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    ...(transport ? { transport } : {}),
  };
  return { pinoHttp: stream ? [options, stream] : options } as Params;
}
