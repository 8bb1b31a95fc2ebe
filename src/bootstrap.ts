import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance, FastifyServerOptions, onRequestHookHandler, onResponseHookHandler } from 'fastify';
import type { DestinationStream } from 'pino';
import { AppModule, AppModuleOptions } from './app.module';
import { SESSION_COOKIE } from './auth/session-cookie';
import { registerETag } from './common/etag';
import { HttpExceptionFilter, sendErrorReply, toErrorReply } from './common/http-exception.filter';
import { clientErrorHandler, registerJsonBodyParser } from './common/json-body';
import { httpPreconditions, passUnmetExpectationsToFastify } from './common/http-preconditions';
import { assignRequestId, createLogger, PinoLoggerService, requestLogHooks } from './common/logging';
import { registerDocsSecurityHeaders, securityHeaderSets, securityHeadersHook } from './common/security-headers';
import { createValidationPipe } from './common/validation.pipe';
import { LoadedConfig } from './config/config.module';

export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * How often Node looks for requests past HTTP_REQUEST_TIMEOUT_MS. Its default, 30 s, would let a
 * 15 s bound run to 45 s; the check walks only connections with a request still arriving.
 */
const REQUEST_TIMEOUT_CHECK_MS = 1000;

export interface CreateAppOptions extends AppModuleOptions {
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
}

/**
 * Answers sent once close() has begun say `Connection: close`, so a keep-alive socket ends with its
 * answer instead of holding close() open for the keep-alive timeout (72 s); idle sockets are closed by
 * `forceCloseConnections: 'idle'`, and requests arriving while closing get Fastify's 503.
 *
 * A flag read as each answer leaves, not a Set of the responses in flight (what this replaced): a Set
 * that gains and loses an entry per request rehashes every few dozen requests, and once its table is in
 * the old generation V8 allocates every later table there too, while each table it replaces keeps the
 * entries it held until the next full GC. So every response in flight at a rehash — nearly all of them
 * — was kept through each scavenge and promoted: after the first full GC under load, 3–5 ms scavenges
 * (docs/performance.md, "Garbage collection").
 */
function closeConnectionsWhenClosing(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}

/**
 * Fastify answers a URL its router cannot take (bad percent-encoding, a parameter over 100
 * characters) itself, before any hook runs: its own error codes, the URL echoed back, no security
 * headers, no request id, no log line. This runs the same per-request hooks as every request and
 * answers through the error contract instead.
 */
function routerErrors(onRequest: onRequestHookHandler[], onResponse: onResponseHookHandler): FastifyServerOptions['frameworkErrors'] {
  const noop = () => {};
  return (error, request, reply) => {
    // No route, so no onResponse hooks of its own: the request's log line is written here.
    reply.raw.once('finish', () => void onResponse.call(request.server, request, reply, noop));
    const next = (i: number, err?: Error): void => {
      if (err || i === onRequest.length) return sendErrorReply(reply, toErrorReply(err ?? error));
      void onRequest[i].call(request.server, request, reply, (e?: Error) => next(i + 1, e));
    };
    next(0);
  };
}

/** Builds the HTTP app (Fastify adapter, global pipe and filter, OpenAPI) without listening. */
export async function createApp(loaded: LoadedConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const { config } = loaded;
  const logger = createLogger(config, options.logStream);
  const headers = securityHeaderSets();
  const requestLog = requestLogHooks(logger);
  // Per-request work is Fastify hooks, not Nest middleware: no @fastify/middie, no per-request
  // AsyncLocalStorage scope (see docs/performance.md). These run for every request, router errors too.
  const everyRequest: onRequestHookHandler[] = [
    securityHeadersHook(headers.api),
    (request, reply, done) => {
      reply.header('x-request-id', request.id);
      done();
    },
    requestLog.onRequest,
    httpPreconditions,
  ];
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Headers or a body (at most 16 KiB) still dripping in after this get a 408 and the socket is
    // closed; Fastify's default, 0, let such a client hold a socket, and shutdown, forever.
    requestTimeout: config.http.requestTimeoutMs,
    // Given to Node too, so it derives headersTimeout as min(60 s, requestTimeout): with a larger
    // headersTimeout Node swaps the two bounds, and a body could drip for 60 s.
    // requireHostHeader: httpPreconditions refuses a missing Host through the error contract instead.
    http: { requestTimeout: config.http.requestTimeoutMs, connectionsCheckingInterval: REQUEST_TIMEOUT_CHECK_MS, requireHostHeader: false },
    genReqId: assignRequestId,
    // Close idle keep-alive sockets on shutdown so close() waits only for requests in flight.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    clientErrorHandler: clientErrorHandler(logger, headers.api),
    frameworkErrors: routerErrors(everyRequest, requestLog.onResponse),
    // No Nest middleware anywhere (per-request work is Fastify hooks), so no @fastify/middie hook
    // on every request either.
    skipMiddie: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(loaded, options), adapter, {
    logger: new PinoLoggerService(logger),
    bodyParser: false, // registerJsonBodyParser below replaces it
  });
  // Only the configured origins may call from a browser. With none, no CORS plugin at all: it would
  // answer nothing useful and cost every request its hook.
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PATCH'],
      allowedHeaders: ['content-type', 'authorization', 'if-none-match', 'x-request-id'],
      exposedHeaders: ['etag', 'retry-after', 'x-request-id'],
      credentials: true, // the session cookie, for a frontend on another origin of the same site (docs/deploy.md)
      maxAge: 600,
    });
  }
  // The session cookie; parsed only by SessionGuard (hook: false), so reads allocate nothing for it.
  await app.register(fastifyCookie, { hook: false });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());

  const fastify = app.getHttpAdapter().getInstance();
  passUnmetExpectationsToFastify(fastify.server);
  for (const hook of everyRequest) fastify.addHook('onRequest', hook);
  fastify.addHook('onResponse', requestLog.onResponse);
  registerDocsSecurityHeaders(fastify, headers.docs);
  closeConnectionsWhenClosing(fastify);
  registerJsonBodyParser(fastify);
  registerETag(fastify);

  // Off in production by default: the document maps every route, and the UI needs a looser CSP.
  if (config.http.docsEnabled) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Villa Profile API')
        .setDescription('Profiles keyed by wallet address: nicknames, avatars, lookups, admin migrations.')
        .setVersion('1')
        .addApiKey({ type: 'apiKey', in: 'header', name: 'x-migrate-secret' }, 'migrate-secret')
        .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
        .addCookieAuth(SESSION_COOKIE)
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  }

  await app.init();
  return app;
}
