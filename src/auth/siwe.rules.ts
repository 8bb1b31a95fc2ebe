import { ParsedMessage } from '@spruceid/siwe-parser';

/** What a SIWE message must satisfy on this server (from SIWE_DOMAINS, SIWE_CHAIN_IDS, SIWE_CLOCK_SKEW_SECONDS, NODE_ENV). */
export interface SiwePolicy {
  domains: ReadonlySet<string>;
  chainIds: ReadonlySet<number>;
  skewMs: number;
  /** Accept `http` for a loopback host (localhost, 127.0.0.1, ::1): outside production only. */
  loopbackHttp: boolean;
}

/** The fields of an accepted message that the sign-in goes on to use. */
export interface SiweClaims {
  /** Lowercase. */
  address: `0x${string}`;
  chainId: number;
  nonce: string;
  /** The earliest `Expiration Time` line of the message (its field, or a statement that reads as one). */
  expirationTime: Date | null;
}

/** Every refusal of a message, by cause. Not an EIP-4361 message at all is the caller's format error (400). */
export const SIWE_ERRORS = {
  malformed: 'Malformed SIWE message',
  domain: 'SIWE domain not allowed',
  uri: 'SIWE URI not allowed',
  scheme: 'SIWE scheme not allowed',
  chain: 'SIWE chain not allowed',
  issuedInFuture: 'SIWE message issued in the future',
  expired: 'SIWE message expired',
  notYetValid: 'SIWE message not yet valid',
} as const;

export type SiweCheck =
  | { ok: true; claims: SiweClaims }
  | { ok: false; reason: keyof typeof SIWE_ERRORS };

/** EIP-4361: at least 8 alphanumerics (the grammar checks that); 64 is the column's width. */
const MAX_NONCE_LENGTH = 64;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);
/** RFC 3339 date-time, for the expiry scan below (the grammar checks the real fields). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const EXPIRATION_LINE = /^Expiration Time: (.*)$/gm;

/** `https`, or `http` on a loopback host (`localhost`, `127.0.0.1`, `::1`) when `loopbackHttp` (outside production). */
export function isAllowedScheme(scheme: string, host: string, loopbackHttp: boolean): boolean {
  const s = scheme.toLowerCase();
  return s === 'https' || (s === 'http' && loopbackHttp && LOOPBACK_HOSTS.has(host.toLowerCase()));
}

/** A timestamp the grammar accepted, as a Date; null when JavaScript cannot represent it (e.g. a leap second). */
function toDate(value: string): Date | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Every `Expiration Time` line of the text, wherever it sits: what the signer was shown, well-formed or not. */
function signedExpirations(message: string): Date[] {
  return [...message.matchAll(EXPIRATION_LINE)]
    .map(([, value]) => (RFC3339.test(value) ? toDate(value) : null))
    .filter((date): date is Date => date !== null);
}

/**
 * Parses an EIP-4361 message with SpruceID's ABNF parser (the one wallets use: the whole text must
 * match the grammar, the address must be EIP-55) and applies the server's rules that need no I/O.
 * Order: an expiry that has passed, on any line (401 even when the rest is malformed: the signer saw
 * it); the grammar, plus a chain id written as a plain integer (400); domain in the allow-list; URI
 * `https` (or loopback `http` outside production) on exactly that domain; the optional scheme before
 * the domain likewise; chain; issuedAt and notBefore within the clock skew (401).
 */
export function checkSiweMessage(message: string, policy: SiwePolicy, now: Date): SiweCheck {
  const t = now.getTime();
  const expirations = signedExpirations(message);
  if (expirations.some((expiry) => t >= expiry.getTime())) return { ok: false, reason: 'expired' };

  let parsed: ParsedMessage;
  try {
    parsed = new ParsedMessage(message);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { address, domain, chainId, nonce, uri, uriElements } = parsed;
  const issuedAt = toDate(parsed.issuedAt);
  const expirationTime = parsed.expirationTime === undefined ? null : toDate(parsed.expirationTime);
  // The session ends at the earliest expiry the signer was shown: a statement that is itself an
  // "Expiration Time: …" line reads as one, so it bounds the session too, as it refuses once passed.
  const sessionEnd = expirations.reduce<Date | null>((earliest, expiry) => (earliest && earliest <= expiry ? earliest : expiry), null);
  const notBefore = parsed.notBefore === undefined ? null : toDate(parsed.notBefore);
  if (
    // The ABNF's chain-id is 1*DIGIT; EIP-155 ids are integers, so "08453" is refused. After a
    // grammar match this line can only be the Chain ID field (a statement line is followed by a blank one).
    !message.includes(`\nChain ID: ${chainId}\nNonce: `) ||
    !Number.isSafeInteger(chainId) ||
    nonce.length > MAX_NONCE_LENGTH ||
    !issuedAt ||
    (parsed.expirationTime !== undefined && !expirationTime) ||
    (parsed.notBefore !== undefined && !notBefore)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (!policy.domains.has(domain.toLowerCase())) return { ok: false, reason: 'domain' };

  const host = uriElements.host?.toLowerCase() ?? '';
  const allowedScheme = (scheme: string) => isAllowedScheme(scheme, host, policy.loopbackHttp);
  const authority = uri.startsWith(`${uriElements.scheme}://`) ? uri.slice(uriElements.scheme.length + 3).split(/[/?#]/, 1)[0] : null;
  // The whole authority, so userinfo ("https://villa.cash@evil.example") or another port cannot pass.
  if (!allowedScheme(uriElements.scheme) || authority?.toLowerCase() !== domain.toLowerCase()) {
    return { ok: false, reason: 'uri' };
  }
  if (parsed.scheme !== undefined && !allowedScheme(parsed.scheme)) return { ok: false, reason: 'scheme' };

  if (!policy.chainIds.has(chainId)) return { ok: false, reason: 'chain' };
  if (issuedAt.getTime() > t + policy.skewMs) return { ok: false, reason: 'issuedInFuture' };
  if (notBefore && t + policy.skewMs < notBefore.getTime()) return { ok: false, reason: 'notYetValid' };

  return {
    ok: true,
    claims: { address: address.toLowerCase() as `0x${string}`, chainId, nonce, expirationTime: sessionEnd },
  };
}
