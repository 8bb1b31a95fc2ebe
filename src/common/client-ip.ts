import type { FastifyRequest } from 'fastify';

/**
 * The client's IP, for rate limits and audit lines. Behind DigitalOcean's load balancer the real
 * client is in `do-connecting-ip`, set by the platform; the left-most X-Forwarded-For is written by
 * the client and never trusted. Headers are only believed when TRUST_PROXY is on; otherwise the
 * socket's peer address is the client.
 */
export function clientIp(request: Pick<FastifyRequest, 'headers' | 'socket'>, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers['do-connecting-ip'];
    const value = Array.isArray(header) ? header[0] : header;
    if (value && /^[0-9a-fA-F:.]{2,45}$/.test(value.trim())) return value.trim();
  }
  return request.socket?.remoteAddress ?? 'unknown';
}
