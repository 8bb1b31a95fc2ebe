import request from 'supertest';
import { hashMessage, type Hex, serializeErc6492Signature } from 'viem';
import { newAccount, requestNonce, siweMessage, TEST_CHAIN_ID } from './support/auth';
import { freePort } from './support/app-process';
import { RpcStub, smartAccountSignature } from './support/rpc-stub';
import { startTestApp, TestApp } from './support/test-app';

// A file of its own: Nest's static Logger (behind every `new Logger(context)`) is process-wide and
// writes to the last app created, so a second app in one file would take this app's log lines.

/** 48 characters: long enough for production rules, obviously fake. */
const SESSION_SECRET = 'test-session-secret-0123456789-abcdefghijklmnop';
const RANDOM_KEY_WARNING = 'SESSION_SECRET is not set: sessions are signed with a random per-process key';

const nonceRow = async (t: TestApp, nonce: string) =>
  (await t.db.query<{ used_at: Date | null; attempts: number }>('select used_at, attempts from auth_nonces where nonce = $1', [nonce]))[0];
const verify = (t: TestApp, message: string, signature: string) =>
  request(t.url).post('/api/auth/verify').send({ message, signature });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('auth: smart-account signatures through a JSON-RPC stub (ERC-1271 / ERC-6492)', () => {
  const API_KEY = 'fake-rpc-api-key-Wombat-4471';
  const stub = new RpcStub(TEST_CHAIN_ID);
  const owner = newAccount();
  const smartAccount = newAccount().address;
  let t: TestApp;

  beforeAll(async () => {
    stub.addAccount(smartAccount, owner);
    const url = await stub.start();
    // No SESSION_SECRET here: the random per-process key path.
    t = await startTestApp({ env: { CHAIN_RPC_URL: `${url}/v2/${API_KEY}`, CHAIN_RPC_TIMEOUT_MS: '500' } });
  });
  afterAll(async () => {
    await t.close();
    await stub.close();
  });
  beforeEach(() => {
    stub.mode = 'valid';
  });

  const smartSignIn = async (signer = owner) => {
    const nonce = await requestNonce(t.url);
    const message = siweMessage(smartAccount, nonce, { issuedAt: t.clock.now() });
    return { nonce, message, signature: await smartAccountSignature(signer, message) };
  };

  it('stub valid: the account accepts its owner signature, and the server asked about exactly this account, hash and signature', async () => {
    const before = stub.validatorCalls.length;
    const { nonce, message, signature } = await smartSignIn();
    const res = await verify(t, message, signature).expect(200);
    expect(res.body.address).toBe(smartAccount.toLowerCase());
    expect(stub.validatorCalls.slice(before)).toEqual([{ signer: smartAccount, hash: hashMessage(message), signature }]);
    expect(stub.methods).toContain('eth_chainId');
    expect((await nonceRow(t, nonce)).used_at).toBeInstanceOf(Date);
    await request(t.url).get('/api/auth/session').set(bearer(res.body.token)).expect(200);
  });

  it('stub valid: a wrapper carrying someone else signature is refused by the account: 401', async () => {
    const { message, signature } = await smartSignIn(newAccount());
    const res = await verify(t, message, signature).expect(401);
    expect(res.body).toEqual({ error: 'Signature does not match address' });
  });

  it('stub ERC-6492: an undeployed account is validated through its factory deployment', async () => {
    const factory = newAccount().address;
    const factoryData: Hex = '0xdeadbeef';
    const before = stub.validatorCalls.length;
    const { message, signature: inner } = await smartSignIn();
    const wrapped = serializeErc6492Signature({ address: factory, data: factoryData, signature: inner });
    const res = await verify(t, message, wrapped).expect(200);
    expect(res.body.address).toBe(smartAccount.toLowerCase());
    expect(stub.validatorCalls.slice(before)).toEqual([
      { signer: smartAccount, hash: hashMessage(message), signature: inner, deployedBy: { factory, factoryData } },
    ]);
  });

  it('stub bad: isValidSignature answers 0xffffffff: 401, nonce kept', async () => {
    stub.mode = 'bad';
    const { nonce, message, signature } = await smartSignIn();
    const res = await verify(t, message, signature).expect(401);
    expect(res.body).toEqual({ error: 'Signature does not match address' });
    expect((await nonceRow(t, nonce)).used_at).toBeNull();
  });

  it('stub revert: the validator call reverts: 401 (a "no", not an outage)', async () => {
    stub.mode = 'revert';
    const { message, signature } = await smartSignIn();
    await verify(t, message, signature).expect(401, { error: 'Signature does not match address' });
  });

  it('stub EOA path: a signature by another key is refused through the validator ecrecover: 401', async () => {
    const { message } = await freshStubMessage(t);
    await verify(t, message, await newAccount().signMessage({ message })).expect(401, { error: 'Signature does not match address' });
  });

  it('stub not asked for an EOA signature that verifies locally', async () => {
    const calls = stub.validatorCalls.length;
    const { message, signature } = await freshStubMessage(t);
    await verify(t, message, signature).expect(200);
    expect(stub.validatorCalls.length).toBe(calls);
  });

  it('stub on chain 8453, message for chain 84532: 401 naming the chain the RPC serves', async () => {
    const nonce = await requestNonce(t.url);
    const message = siweMessage(smartAccount, nonce, { chainId: 84532, issuedAt: t.clock.now() });
    const res = await verify(t, message, await smartAccountSignature(owner, message)).expect(401);
    expect(res.body).toEqual({ error: 'Smart-account signatures can only be verified on chain 8453 (CHAIN_RPC_URL)' });
  });

  it.each([
    ['http-error', 'answers HTTP 502'],
    ['rate-limited', 'answers a JSON-RPC error'],
    ['hang', 'never answers (CHAIN_RPC_TIMEOUT_MS)'],
  ] as const)('stub %s (the RPC %s): 503 "Signature verification unavailable", nonce kept for a retry', async (mode, _how) => {
    stub.mode = mode;
    const { nonce, message, signature } = await smartSignIn();
    const res = await verify(t, message, signature).expect(503);
    expect(res.body).toEqual({ error: 'Signature verification unavailable' });
    expect(res.headers['retry-after']).toBeDefined();
    // The outage is the server's: the attempt is given back.
    expect(await nonceRow(t, nonce)).toEqual({ used_at: null, attempts: 0 });

    stub.mode = 'valid';
    await verify(t, message, signature).expect(200);
  });

  it('one nonce buys at most 5 validator eth_calls: 20 wrong signatures (sequential, then concurrent), then the right one: 401 too many', async () => {
    stub.mode = 'bad';
    const { nonce, message, signature } = await smartSignIn();
    const before = stub.validatorCalls.length;
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) answers.push((await verify(t, message, signature)).body.error);
    const rest = await Promise.all(Array.from({ length: 17 }, () => verify(t, message, signature)));
    answers.push(...rest.map((r) => r.body.error));
    expect(stub.validatorCalls.length - before).toBe(5);
    expect(answers.filter((e) => e === 'Signature does not match address')).toHaveLength(5);
    expect(answers.filter((e) => e === 'Too many attempts for this nonce')).toHaveLength(15);

    stub.mode = 'valid';
    await verify(t, message, signature).expect(401, { error: 'Too many attempts for this nonce' });
    expect(stub.validatorCalls.length - before).toBe(5);
    expect(await nonceRow(t, nonce)).toEqual({ used_at: null, attempts: 5 });
  });

  it('never logs the RPC URL (it may carry an API key)', () => {
    expect(t.logs.some((line) => line.includes('Smart-account signature check failed'))).toBe(true);
    expect(t.logs.filter((line) => line.includes(API_KEY))).toEqual([]);
  });

  it('without SESSION_SECRET (outside production): one warning that sessions end at restart', () => {
    expect(t.logs.filter((line) => line.includes(RANDOM_KEY_WARNING))).toHaveLength(1);
  });

  it('stub closed (connection refused): 503', async () => {
    const { message, signature } = await smartSignIn();
    await stub.close();
    const res = await verify(t, message, signature).expect(503);
    expect(res.body).toEqual({ error: 'Signature verification unavailable' });
  });
});

describe('auth: an RPC that is not there at all', () => {
  it('stub-free: CHAIN_RPC_URL pointing at a closed port gives 503, not 401', async () => {
    const port = await freePort();
    const t = await startTestApp({ env: { SESSION_SECRET, CHAIN_RPC_URL: `http://127.0.0.1:${port}`, CHAIN_RPC_TIMEOUT_MS: '500' } });
    try {
      const nonce = await requestNonce(t.url);
      const message = siweMessage(newAccount().address, nonce, { issuedAt: t.clock.now() });
      const res = await verify(t, message, await smartAccountSignature(newAccount(), message)).expect(503);
      expect(res.body).toEqual({ error: 'Signature verification unavailable' });
    } finally {
      await t.close();
    }
  });
});

/** An EOA sign-in message on the stub app (a fresh key, a fresh nonce), already signed. */
async function freshStubMessage(t: TestApp): Promise<{ message: string; signature: Hex }> {
  const account = newAccount();
  const nonce = await requestNonce(t.url);
  const message = siweMessage(account.address, nonce, { issuedAt: t.clock.now() });
  return { message, signature: await account.signMessage({ message }) };
}
