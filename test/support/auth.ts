import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage, type SiweMessage } from 'viem/siwe';

/** A host in the default SIWE_DOMAINS outside production. */
export const TEST_SIWE_DOMAIN = 'localhost:3000';
/** Base: in the default SIWE_CHAIN_IDS. */
export const TEST_CHAIN_ID = 8453;

export interface SignedIn {
  token: string;
  /** Lowercase, as the server returns it. */
  address: string;
  account: PrivateKeyAccount;
  expiresAt: string;
  /** `{ authorization: 'Bearer <token>' }`, for supertest's `.set(…)`. */
  headers: { authorization: string };
}

export const newAccount = (): PrivateKeyAccount => privateKeyToAccount(generatePrivateKey());

async function post(baseUrl: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** POST /api/auth/nonce; throws unless the server issued one. */
export async function requestNonce(baseUrl: string): Promise<string> {
  const res = await post(baseUrl, '/api/auth/nonce');
  if (res.status !== 201 || typeof res.body.nonce !== 'string') {
    throw new Error(`POST /api/auth/nonce answered ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body.nonce;
}

/** An EIP-4361 message the test server accepts; any field can be overridden to build a refusal. */
export function siweMessage(address: `0x${string}`, nonce: string, overrides: Partial<SiweMessage> = {}): string {
  return createSiweMessage({
    address,
    nonce,
    domain: TEST_SIWE_DOMAIN,
    uri: `http://${TEST_SIWE_DOMAIN}`,
    version: '1',
    chainId: TEST_CHAIN_ID,
    issuedAt: new Date(),
    statement: 'Sign in to Villa',
    ...overrides,
  });
}

/** A wallet's answer to a sign-in request: the EIP-4361 message for `nonce` and its personal_sign signature. */
export async function signedSiwe(
  account: PrivateKeyAccount,
  nonce: string,
  overrides: Partial<SiweMessage> = {},
): Promise<{ message: string; signature: `0x${string}` }> {
  const message = siweMessage(account.address, nonce, overrides);
  return { message, signature: await account.signMessage({ message }) };
}

/**
 * The real sign-in, as a frontend does it: nonce → SIWE message → personal_sign → verify.
 * A fresh throw-away key unless `account` is given. Time is the app's clock: a test that moved
 * `t.clock` passes `{ issuedAt: t.clock.now() }`, and signs in again once it moves past the session's
 * expiry (7 days by default).
 */
export async function signIn(
  baseUrl: string,
  account: PrivateKeyAccount = newAccount(),
  overrides: Partial<SiweMessage> = {},
): Promise<SignedIn> {
  const res = await post(baseUrl, '/api/auth/verify', await signedSiwe(account, await requestNonce(baseUrl), overrides));
  if (res.status !== 200 || typeof res.body.token !== 'string') {
    throw new Error(`POST /api/auth/verify answered ${res.status} ${JSON.stringify(res.body)}`);
  }
  const token = res.body.token;
  return {
    token,
    address: String(res.body.address),
    account,
    expiresAt: String(res.body.expiresAt),
    headers: { authorization: `Bearer ${token}` },
  };
}
