import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { FastifyReply, FastifyRequest, onRequestHookHandler, onResponseHookHandler } from 'fastify';
import pino, { DestinationStream, Logger as Pino } from 'pino';
import { AppConfig } from '../config/app-config';

/**
 * Paths that would carry credentials if anything ever logged a request's headers. Request lines
 * (below) log no headers at all; this is the second line of defence for application logs.
 */
const REDACTED_PATHS = [
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
 * The process's one pino logger: JSON lines in production (for the platform's log drain), pretty ones
 * in development, or into `stream` (tests read it). Each app gets its own; nothing is process-global.
 */
export function createLogger(config: AppConfig, stream?: DestinationStream): Pino {
  const transport = config.nodeEnv === 'development' && !stream ? prettyTransport() : undefined;
  const options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(transport ? { transport } : {}),
  };
  return stream ? pino(options, stream) : pino(options);
}

export interface RequestLogHooks {
  onRequest: onRequestHookHandler;
  onResponse: onResponseHookHandler;
}

/**
 * One line per request, written when the answer is out (`request completed`) or the client has gone
 * (`request aborted`): request id, method, URL (the raw path and query: addresses and nicknames are
 * public), the status when one was sent, and milliseconds. No headers: what is not logged cannot
 * leak (bearer tokens, the migrate secret). 5xx at error, 4xx and aborted requests at warn.
 *
 * Fastify hooks rather than pino-http as Nest middleware: that path ran every request through
 * @fastify/middie, a child logger and an AsyncLocalStorage scope, and cost more than the database read.
 */
export function requestLogHooks(root: Pino): RequestLogHooks {
  // These lines are built here from five plain fields and never hold a header, so the root logger's
  // redaction (which copies every line it might apply to) has nothing to do on them.
  const logger = root.child({}, { redact: [] });
  const req = (request: FastifyRequest, url: string) => ({ id: request.id, method: request.method, url });
  const ms = (reply: FastifyReply) => Math.round(reply.elapsedTime * 100) / 100;
  return {
    onRequest(request, reply, done) {
      // A client that gives up (a timeout, a closed tab) before its answer is out gets no onResponse:
      // one `request aborted` line instead, so a slow dependency shows in the log as abandoned requests.
      const url = request.raw.url ?? '';
      if (!HEALTH_PROBE.test(url)) {
        reply.raw.once('close', () => {
          // No status on it: none was sent (a reply's statusCode is 200 until one is chosen).
          if (!reply.raw.writableFinished) logger.warn({ req: req(request, url), responseTime: ms(reply) }, 'request aborted');
        });
      }
      done();
    },
    onResponse(request, reply, done) {
      const url = request.raw.url ?? '';
      if (!HEALTH_PROBE.test(url)) {
        const status = reply.statusCode;
        const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
        if (logger.isLevelEnabled(level)) {
          logger[level]({ req: req(request, url), res: { statusCode: status }, responseTime: ms(reply) }, 'request completed');
        }
      }
      done();
    },
  };
}

/**
 * Nest's LoggerService over pino, so `new Logger('Context')` anywhere writes JSON lines with a
 * `context` field. Like nestjs-pino, an object first argument becomes fields of the line and the next
 * string its message: `logger.log({ audit: 'admin', … }, 'admin POST … : ok')`.
 */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    // Nest appends the logger's context as the last string argument.
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      const text = typeof rest[0] === 'string' ? rest[0] : undefined;
      this.pino[level]({ context, ...(message as object) }, text);
    } else if (message instanceof Error) {
      this.pino[level]({ context, err: message }, message.message);
    } else {
      // Nest's own error() passes a stack trace as the second argument.
      const stack = typeof rest[0] === 'string' ? rest[0] : undefined;
      this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }
}
