import { isAddress } from 'viem';
import { parseSiweMessage } from 'viem/siwe';

/** What a SIWE message must satisfy on this server (from SIWE_DOMAINS, SIWE_CHAIN_IDS, SIWE_CLOCK_SKEW_SECONDS). */
export interface SiwePolicy {
  domains: ReadonlySet<string>;
  chainIds: ReadonlySet<number>;
  skewMs: number;
}

/** The fields of an accepted message that the sign-in goes on to use. */
export interface SiweClaims {
  /** Lowercase. */
  address: `0x${string}`;
  chainId: number;
  nonce: string;
  expirationTime: Date | null;
}

/** Every refusal of a message, by cause. Not a SIWE message at all is the caller's format error (400). */
export const SIWE_ERRORS = {
  malformed: 'Malformed SIWE message',
  domain: 'SIWE domain not allowed',
  chain: 'SIWE chain not allowed',
  issuedInFuture: 'SIWE message issued in the future',
  expired: 'SIWE message expired',
  notYetValid: 'SIWE message not yet valid',
} as const;

export type SiweCheck =
  | { ok: true; claims: SiweClaims }
  | { ok: false; reason: keyof typeof SIWE_ERRORS };

/** EIP-4361: at least 8 alphanumerics; 64 is the column's width. */
const NONCE = /^[a-zA-Z0-9]{8,64}$/;

const validDate = (date: Date | undefined): date is Date => date instanceof Date && !Number.isNaN(date.getTime());

/**
 * Parses an EIP-4361 message and applies the server's rules that need no I/O: the message is
 * complete and well-formed, its domain and chain are accepted, and it is valid at `now`
 * (issuedAt and notBefore tolerate the clock skew; expirationTime does not).
 */
export function checkSiweMessage(message: string, policy: SiwePolicy, now: Date): SiweCheck {
  const parsed = parseSiweMessage(message);
  const { address, domain, chainId, nonce, issuedAt, uri, version } = parsed;
  if (
    !address ||
    !isAddress(address, { strict: false }) ||
    !domain ||
    !uri ||
    version !== '1' ||
    chainId === undefined ||
    !Number.isSafeInteger(chainId) ||
    !nonce ||
    !NONCE.test(nonce) ||
    !validDate(issuedAt) ||
    ('expirationTime' in parsed && !validDate(parsed.expirationTime)) ||
    ('notBefore' in parsed && !validDate(parsed.notBefore))
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (!policy.domains.has(domain.toLowerCase())) return { ok: false, reason: 'domain' };
  if (!policy.chainIds.has(chainId)) return { ok: false, reason: 'chain' };

  const t = now.getTime();
  if (issuedAt.getTime() > t + policy.skewMs) return { ok: false, reason: 'issuedInFuture' };
  if (parsed.expirationTime && t >= parsed.expirationTime.getTime()) return { ok: false, reason: 'expired' };
  if (parsed.notBefore && t + policy.skewMs < parsed.notBefore.getTime()) return { ok: false, reason: 'notYetValid' };

  return {
    ok: true,
    claims: {
      address: address.toLowerCase() as `0x${string}`,
      chainId,
      nonce,
      expirationTime: parsed.expirationTime ?? null,
    },
  };
}
