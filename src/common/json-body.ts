import type { FastifyInstance } from 'fastify';
import { ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger as Pino } from 'pino';
import { requestId } from './logging';
import type { HeaderSet } from './security-headers';

/** Deeper than any body this API accepts; deeper bodies are refused before validation walks them. */
export const MAX_JSON_DEPTH = 16;

/** Iterative, so a hostile 5,000-level body cannot overflow the stack while being measured. */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

class JsonTooDeepError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_CTP_JSON_TOO_DEEP';
  constructor() {
    super('JSON body is nested too deeply');
  }
}

/**
 * Fastify's JSON parser (which already refuses `__proto__`/`constructor` poisoning) plus a depth
 * limit: Nest's ValidationPipe walks bodies recursively and a deeply nested one overflowed its stack.
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      if (exceedsDepth(value, MAX_JSON_DEPTH)) return done(new JsonTooDeepError(), undefined);
      done(null, value);
    });
  });
}

const CLIENT_ERRORS: Readonly<Record<string, [status: number, error: string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request headers too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request timeout'],
};

/**
 * Requests Node's HTTP server refuses before Fastify has them (oversized headers, garbage request
 * lines) or cuts off (not received within HTTP_REQUEST_TIMEOUT_MS) still get the service's JSON
 * `{error}` with the security headers, not an empty socket close, and a log line.
 */
export function clientErrorHandler(logger: Pino, securityHeaders: HeaderSet) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    // The response of a request Fastify is handling (its body still arriving), if any.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    // INVALID_EOF_STATE: the client closed its side mid-request; it left, and its request is aborted.
    if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, error] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Malformed HTTP request'];
    const body = JSON.stringify({ error });
    const headers = {
      ...securityHeaders,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    };
    if (inFlight) {
      // Through the request's own response: its request log line (with its id) records the answer.
      inFlight.writeHead(status, headers);
      inFlight.end(body, () => socket.destroy());
      return;
    }
    const id = requestId(undefined);
    logger.warn({ req: { id }, res: { statusCode: status }, code: err.code }, 'request rejected');
    const head = Object.entries({ ...headers, 'x-request-id': id }).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head.join('')}\r\n${body}`);
  };
}
