import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';

/** True when an If-None-Match header (a list, possibly weak, or `*`) matches this strong tag. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/**
 * Serializes the JSON body once, tags it with a strong ETag (a hash of the exact bytes sent) and
 * answers 304 when the client already holds them. `no-cache`: clients may store but must revalidate.
 */
@Injectable()
export class ETagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      map((body) => {
        const json = JSON.stringify(body);
        const etag = `"${createHash('sha1').update(json).digest('base64url')}"`;
        reply.header('etag', etag).header('cache-control', 'no-cache');
        if (etagMatches(request.headers['if-none-match'], etag)) {
          reply.status(304);
          return '';
        }
        reply.header('content-type', 'application/json; charset=utf-8');
        return json;
      }),
    );
  }
}
