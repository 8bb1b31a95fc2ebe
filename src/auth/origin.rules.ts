import { isAllowedScheme } from './siwe.rules';

/** Which browser origins may make a write authenticated by the session cookie (the CSRF rule). */
export interface OriginPolicy {
  /** `host[:port]` of the frontend (SIWE_DOMAINS, lowercase): the origin must be `https` on one of them. */
  hosts: ReadonlySet<string>;
  /** Whole origins (CORS_ORIGINS, lowercase), allowed as written. */
  origins: ReadonlySet<string>;
  /** Also `http` on a loopback host: outside production only, as for the SIWE URI. */
  loopbackHttp: boolean;
}

/**
 * Whether an `Origin` header names an allowed frontend: a CORS origin as configured, or `https` (or
 * loopback `http` outside production) on a SIWE domain, port included. Missing, `null`, or anything
 * that is not exactly the serialized form a browser sends (`scheme://host[:port]`) is refused.
 */
export function isAllowedOrigin(origin: string | undefined, policy: OriginPolicy): boolean {
  if (!origin) return false;
  if (policy.origins.has(origin.toLowerCase())) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, privacy-sensitive redirects) lands here too
  }
  if (url.origin !== origin) return false;
  return policy.hosts.has(url.host) && isAllowedScheme(url.protocol.slice(0, -1), url.hostname.replace(/^\[(.*)\]$/, '$1'), policy.loopbackHttp);
}
