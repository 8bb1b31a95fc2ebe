import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MigrationFailedError } from '../database/migration-runner';
import { isDatabaseUnavailable, JsonHttpException } from './errors';

export const RETRY_AFTER_SECONDS = '5';

interface ErrorReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Fastify's own errors (body parsing, limits, the router) carry a statusCode and an FST_ code; the
 * client gets the status and a sentence of ours, never the code or its message (which can echo the URL).
 */
function fastifyError(err: unknown): ErrorReply | null {
  const e = err as { statusCode?: unknown; code?: unknown };
  if (typeof e?.code !== 'string' || !e.code.startsWith('FST_') || typeof e.statusCode !== 'number') return null;
  const messages: Record<string, string> = {
    FST_ERR_BAD_URL: 'Malformed URL: invalid percent-encoding',
    FST_ERR_MAX_PARAM_LENGTH: 'URL path segment too long',
    FST_ERR_CTP_BODY_TOO_LARGE: 'Request body too large',
    FST_ERR_CTP_INVALID_JSON_BODY: 'Malformed JSON body',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Invalid Content-Length',
    FST_ERR_CTP_JSON_TOO_DEEP: 'JSON body is nested too deeply',
  };
  const status = e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : HttpStatus.BAD_REQUEST;
  return { status, body: { error: messages[e.code] ?? 'Bad request' } };
}

/**
 * The one place errors become HTTP answers. Clients get a JSON `{error}` sentence (or the contract's
 * exact body); never a stack trace, SQL or HTML. Unknown failures are logged with the request id.
 */
export function toErrorReply(exception: unknown): ErrorReply {
  if (exception instanceof JsonHttpException) {
    return { status: exception.getStatus(), body: exception.body, headers: exception.headers };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (response && typeof response === 'object' && 'error' in response && !('statusCode' in response)) {
      return { status, body: response };
    }
    const message = exception.message;
    return { status, body: { error: status === 404 && message.startsWith('Cannot ') ? 'Not found' : message } };
  }
  const fastify = fastifyError(exception);
  if (fastify) return fastify;
  if (exception instanceof SyntaxError && (exception as { statusCode?: number }).statusCode === 400) {
    return { status: 400, body: { error: 'Malformed JSON body' } };
  }
  if (isDatabaseUnavailable(exception)) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: { error: 'Database not available' },
      headers: { 'retry-after': RETRY_AFTER_SECONDS },
    };
  }
  if (exception instanceof MigrationFailedError) {
    return { status: 500, body: { error: 'Migration failed', migration: exception.migration } };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: 'Internal server error' } };
}

/** Sends what toErrorReply decided: the one way an error answer leaves (the filter, router errors). */
export function sendErrorReply(reply: FastifyReply, { status, body, headers }: ErrorReply): void {
  if (headers) reply.headers(headers);
  reply.status(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    // The client left mid-body: Fastify passes on its request stream's ECONNRESET, which is neither a
    // database failure nor anything to answer; the request's log line already says it was aborted.
    if (exception === request.raw.errored) return;
    const answer = toErrorReply(exception);
    const { status } = answer;
    if (status === HttpStatus.SERVICE_UNAVAILABLE && isDatabaseUnavailable(exception)) {
      // Expected while the database is away: one line, no stack, no SQL.
      const cause = exception instanceof Error ? exception.message.split(' - ').at(-1) : String(exception);
      this.logger.warn(`${request.method} ${request.url} [req ${String(request.id)}] → 503: database not available (${cause})`);
    } else if (status >= 500 && !(exception instanceof HttpException)) {
      // Deliberate 5xx answers (HttpExceptions such as 503 Not configured) are not failures to trace.
      const detail = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
      const cause = exception instanceof MigrationFailedError ? ` caused by: ${String((exception.cause as Error)?.stack ?? exception.cause)}` : '';
      this.logger.error(`${request.method} ${request.url} [req ${String(request.id)}] → ${status}: ${detail}${cause}`);
    }
    sendErrorReply(reply, answer);
  }
}
