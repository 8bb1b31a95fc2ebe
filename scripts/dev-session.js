#!/usr/bin/env node
// Signs in to a running server with a throw-away key (Sign-In with Ethereum) and prints a bearer
// token, so the README's curl examples work end to end. Development only: the key is never saved.
//   npm run dev:session [-- http://localhost:3000]     (or BASE_URL=… npm run dev:session)
const { privateKeyToAccount, generatePrivateKey } = require('viem/accounts');
const { createSiweMessage } = require('viem/siwe');

const CHAIN_ID = 8453; // Base

async function call(base, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = { error: text.slice(0, 200) };
  }
  if (!res.ok) {
    const hint = /domain/i.test(json.error ?? '') ? ` (the server's SIWE_DOMAINS must include "${new URL(base).host}")` : '';
    throw new Error(`POST ${path} answered ${res.status}: ${json.error ?? text}${hint}`);
  }
  return json;
}

/** The whole sign-in with a fresh key: nonce → SIWE message for this host → signature → session. */
async function signIn(base) {
  const url = new URL(base);
  const account = privateKeyToAccount(generatePrivateKey());

  const { nonce } = await call(base, '/api/auth/nonce');
  const message = createSiweMessage({
    domain: url.host,
    address: account.address,
    statement: 'Sign in to Villa (dev:session throw-away key)',
    uri: url.origin,
    version: '1',
    chainId: CHAIN_ID,
    nonce,
  });
  const signature = await account.signMessage({ message });
  return call(base, '/api/auth/verify', { message, signature });
}

async function main() {
  const base = (process.argv[2] ?? process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  const { token, address, expiresAt } = await signIn(base);

  process.stdout.write(
    [
      `address:    ${address}`,
      `expires at: ${expiresAt}`,
      `token:      ${token}`,
      '',
      'Try it:',
      `  export TOKEN='${token}'`,
      `  curl -s ${base}/api/auth/session -H "Authorization: Bearer $TOKEN"`,
      `  curl -s -X POST ${base}/api/profile -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `    -d '{"address":"${address}","nickname":"Alice","avatar":{"style":"avataaars","selection":"female","variant":42}}'`,
      '',
    ].join('\n'),
  );
}

module.exports = { signIn };

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`dev:session: ${err.message}\n`);
    process.exit(1);
  });
}
