import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import helmet, { HelmetOptions } from 'helmet';

export type HeaderSet = Readonly<Record<string, string>>;

/** JSON answers: nothing may be loaded, run, framed or sniffed from them. */
const API_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  frameguard: { action: 'deny' },
};

/** The Swagger UI at /docs needs its own inline scripts and styles, and data: images. */
const DOCS_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
    },
  },
};

/** The routes of the docs UI (`/docs`, `/docs/…`); the JSON document at /docs-json is an API answer. */
const DOCS_ROUTE = /^\/docs(\/|$)/;

/**
 * The headers helmet sets for these options, worked out once. None of them depends on the request
 * (no CSP nonces), so there is no reason to run helmet per request — which @fastify/helmet does,
 * rebuilding every middleware and re-parsing the CSP directives on each one.
 */
export function securityHeaders(options: HelmetOptions): HeaderSet {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return Object.freeze(headers);
}

/** Both sets, computed once per app: `api` on every answer, `docs` on the docs UI's routes only. */
export function securityHeaderSets(): { api: HeaderSet; docs: HeaderSet } {
  return { api: securityHeaders(API_OPTIONS), docs: securityHeaders(DOCS_OPTIONS) };
}

/** Gives an answer these headers; instance-wide for the API's set (router errors run it too). */
export const securityHeadersHook =
  (headers: HeaderSet): onRequestHookHandler =>
  (_request, reply, done) => {
    reply.headers(headers);
    done();
  };

/**
 * The docs UI's routes get their set as a route hook, which runs after the instance's and
 * overrides it: the API's routes pay for no path test.
 */
export function registerDocsSecurityHeaders(fastify: FastifyInstance, docs: HeaderSet): void {
  const hook = securityHeadersHook(docs);
  fastify.addHook('onRoute', (route) => {
    if (!DOCS_ROUTE.test(route.url)) return;
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...own, hook];
  });
}
