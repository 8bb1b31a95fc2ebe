import { privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import type { Writer } from './bench-database';

/** The host the bench's sign-in messages name; the service is started with it in SIWE_DOMAINS. */
export const BENCH_SIWE_DOMAIN = 'localhost';
const BASE_CHAIN_ID = 8453;

async function post(url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The real sign-in (nonce → SIWE message → personal_sign → verify) for one writer: its bearer token. */
async function signIn(baseUrl: string, writer: Writer): Promise<string> {
  const nonce = await post(`${baseUrl}/api/auth/nonce`);
  if (nonce.status !== 201 || typeof nonce.body.nonce !== 'string') {
    throw new Error(`POST /api/auth/nonce answered ${nonce.status} ${JSON.stringify(nonce.body)}`);
  }
  const account = privateKeyToAccount(writer.privateKey);
  const message = createSiweMessage({
    address: account.address,
    nonce: nonce.body.nonce,
    domain: BENCH_SIWE_DOMAIN,
    // The service runs under production rules, where a SIWE URI must be https even for localhost.
    uri: `https://${BENCH_SIWE_DOMAIN}`,
    version: '1',
    chainId: BASE_CHAIN_ID,
    issuedAt: new Date(),
  });
  const verified = await post(`${baseUrl}/api/auth/verify`, { message, signature: await account.signMessage({ message }) });
  if (verified.status !== 200 || typeof verified.body.token !== 'string') {
    throw new Error(`POST /api/auth/verify answered ${verified.status} ${JSON.stringify(verified.body)}`);
  }
  return verified.body.token;
}

/** One session per writer, minted before any clock starts; a few sign-ins at a time. */
export async function mintSessions(baseUrl: string, writers: Writer[]): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (let i = 0; i < writers.length; i += 10) {
    const batch = writers.slice(i, i + 10);
    const minted = await Promise.all(batch.map((w) => signIn(baseUrl, w)));
    batch.forEach((w, j) => tokens.set(w.address, minted[j]));
  }
  return tokens;
}
