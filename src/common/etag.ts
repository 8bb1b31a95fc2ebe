import { hash } from 'node:crypto';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

/** True when an If-None-Match header (a list, possibly weak, or `*`) matches this strong tag. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/** Marks a GET route whose 200 answers carry a strong ETag and `Cache-Control: no-cache` (see registerETag). */
export const ETag = (): MethodDecorator => RouteConfig({ etag: true });

/**
 * Tags the exact bytes sent on `@ETag()` routes with a strong ETag (a hash of the serialized body)
 * and answers 304 when the client already holds them; `no-cache`: clients may store but must
 * revalidate. A Fastify hook on the serialized body rather than a Nest interceptor: an interceptor
 * runs every request through an RxJS pipeline, which cost more than the database read.
 */
export function registerETag(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const tagged = (request.routeOptions.config as { etag?: boolean }).etag === true;
    if (!tagged || reply.statusCode !== 200 || typeof payload !== 'string') return done(null, payload);
    // One-shot crypto.hash: half the cost of a Hash object for a few hundred bytes.
    const etag = `"${hash('sha1', payload, 'base64url')}"`;
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (!etagMatches(request.headers['if-none-match'], etag)) return done(null, payload);
    reply.code(304).removeHeader('content-type');
    // undefined, not null: Fastify's HEAD handler (next in line on HEAD requests) reads a null payload as a stream.
    done(null, undefined);
  });
}
