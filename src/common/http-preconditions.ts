import { HttpStatus } from '@nestjs/common';
import type { IncomingMessage, Server } from 'node:http';
import type { onRequestHookHandler } from 'fastify';
import { JsonHttpException } from './errors';

const UNMET_EXPECTATION = Symbol('unmetExpectation');
type Marked = IncomingMessage & { [UNMET_EXPECTATION]?: true };

/**
 * Node answers two kinds of request itself, before Fastify sees them: an HTTP/1.1 request with no
 * Host (400) and an Expect other than 100-continue (417), each with an empty body, none of the
 * security headers, no request id and no log line. With `requireHostHeader: false` (the Fastify
 * adapter's `http` options) and this listener both reach Fastify, and `httpPreconditions` refuses them
 * through the error contract.
 */
export function passUnmetExpectationsToFastify(server: Server): void {
  server.on('checkExpectation', (req: Marked, res) => {
    req[UNMET_EXPECTATION] = true;
    server.emit('request', req, res);
  });
}

/** The refusals Node would have sent (see passUnmetExpectationsToFastify), as JSON errors. */
export const httpPreconditions: onRequestHookHandler = (request, _reply, done) => {
  const req = request.raw as Marked;
  if (req[UNMET_EXPECTATION]) return done(new JsonHttpException(HttpStatus.EXPECTATION_FAILED, { error: 'Expect header not supported' }));
  // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host (Node's rule, kept).
  if (!req.headers.host && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
    return done(new JsonHttpException(HttpStatus.BAD_REQUEST, { error: 'Missing Host header' }));
  }
  done();
};
