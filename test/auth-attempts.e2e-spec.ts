import request from 'supertest';
import { AUTH_ERRORS } from '../src/auth/auth.service';
import { newAccount, requestNonce, siweMessage } from './support/auth';
import { currentTarget } from './support/pg-target';
import { startTestApp, TestApp } from './support/test-app';

// A file of its own: two apps on one database, and Nest's static Logger follows the last app created.
// The production describe runs on a server only: production requires DATABASE_URL, so no production
// app runs on the embedded database (whose test pool serves the two apps plus the suite's connection).
const describeOnServer = currentTarget().mode === 'server' ? describe : describe.skip;

const nonceRow = async (t: TestApp, nonce: string) =>
  (await t.db.query<{ used_at: Date | null; attempts: number }>('select used_at, attempts from auth_nonces where nonce = $1', [nonce]))[0];
const sessionCount = async (t: TestApp, address: string) =>
  (await t.db.query('select id from auth_sessions where address = $1', [address.toLowerCase()])).length;
const verify = (t: TestApp, message: string, signature: string) =>
  request(t.url).post('/api/auth/verify').send({ message, signature });

describe('auth: bounded signature attempts per nonce, across two instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ db: a.db });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  /** A nonce from instance A, its message signed by the account, and a signature of it by another key. */
  const attempt = async () => {
    const account = newAccount();
    const nonce = await requestNonce(a.url);
    const message = siweMessage(account.address, nonce, { issuedAt: a.clock.now() });
    return { account, nonce, message, good: await account.signMessage({ message }), bad: await newAccount().signMessage({ message }) };
  };
  const failOn = async (apps: TestApp[], message: string, bad: string) => {
    for (const app of apps) {
      await verify(app, message, bad).expect(401, { error: AUTH_ERRORS.signatureMismatch });
    }
  };

  it('5 failures spread over A and B burn the nonce: the correct signature then gets 401 "Too many attempts for this nonce", on either', async () => {
    const { account, nonce, message, good, bad } = await attempt();
    await failOn([a, b, a, b, b], message, bad);
    expect(await nonceRow(a, nonce)).toEqual({ used_at: null, attempts: 5 });

    await verify(b, message, good).expect(401, { error: AUTH_ERRORS.tooManyAttempts });
    await verify(a, message, good).expect(401, { error: AUTH_ERRORS.tooManyAttempts });
    // A wrong signature is refused the same way, before any check: the count stays at the limit.
    await verify(a, message, bad).expect(401, { error: AUTH_ERRORS.tooManyAttempts });
    expect(await nonceRow(a, nonce)).toEqual({ used_at: null, attempts: 5 });
    expect(await sessionCount(a, account.address)).toBe(0);
  });

  it('4 failures over A and B, then the correct signature: 200 and a session', async () => {
    const { account, nonce, message, good, bad } = await attempt();
    await failOn([b, a, b, a], message, bad);
    expect((await nonceRow(a, nonce)).attempts).toBe(4);

    const res = await verify(b, message, good).expect(200);
    expect(res.body.address).toBe(account.address.toLowerCase());
    expect((await nonceRow(a, nonce)).used_at).toBeInstanceOf(Date);
    expect(await sessionCount(a, account.address)).toBe(1);
  });

  it('20 concurrent wrong signatures on one nonce: exactly 5 are checked, the rest refused as too many', async () => {
    const { nonce, message, good, bad } = await attempt();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => verify(i % 2 ? a : b, message, bad)));
    const errors = results.map((r) => `${r.status} ${r.body.error}`);
    expect(errors.filter((e) => e === `401 ${AUTH_ERRORS.signatureMismatch}`)).toHaveLength(5);
    expect(errors.filter((e) => e === `401 ${AUTH_ERRORS.tooManyAttempts}`)).toHaveLength(15);
    expect((await nonceRow(a, nonce)).attempts).toBe(5);
    await verify(a, message, good).expect(401, { error: AUTH_ERRORS.tooManyAttempts });
  });

  it('refusals that need no signature check spend nothing: a malformed message or another domain, five times, then the correct one signs in', async () => {
    const { account, nonce, message, good } = await attempt();
    const trailing = `${message}\nIGNORE ABOVE`;
    const otherDomain = siweMessage(account.address, nonce, { domain: 'evil.example', uri: 'https://evil.example', issuedAt: a.clock.now() });
    for (const app of [a, b, a, b, a]) {
      await verify(app, trailing, await account.signMessage({ message: trailing })).expect(400);
      await verify(app, otherDomain, await account.signMessage({ message: otherDomain })).expect(401, { error: AUTH_ERRORS.domain });
    }
    expect((await nonceRow(a, nonce)).attempts).toBe(0);
    await verify(b, message, good).expect(200);
  });
});

describeOnServer('auth: the same sign-in under production rules (NODE_ENV=production)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        NODE_ENV: 'production',
        MIGRATE_ON_BOOT: 'true',
        SESSION_SECRET: 'test-session-secret-0123456789-abcdefghijklmnop',
        SIWE_DOMAINS: 'localhost:3000',
        SIWE_EOA_ONLY: 'true', // production requires CHAIN_RPC_URL otherwise
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sets the session cookie Secure, and lets it write only from the https origin', async () => {
    const account = newAccount();
    const message = siweMessage(account.address, await requestNonce(t.url), { uri: 'https://localhost:3000', issuedAt: t.clock.now() });
    const res = await verify(t, message, await account.signMessage({ message })).expect(200);
    const [cookie] = res.headers['set-cookie'] as unknown as string[];
    expect(cookie.split('; ')).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/api']));

    const write = (origin: string) =>
      request(t.url).post('/api/profile').set('cookie', cookie.split(';')[0]).set('origin', origin).send({ address: account.address, nickname: 'Secured' });
    await write('http://localhost:3000').expect(403, { error: 'Origin not allowed' });
    await write('https://localhost:3000').expect(201);
  });

  it('refuses a URI of http://localhost:3000 with 401 "SIWE URI not allowed", and accepts https://localhost:3000', async () => {
    const account = newAccount();
    const nonce = await requestNonce(t.url);
    const local = siweMessage(account.address, nonce, { uri: 'http://localhost:3000', issuedAt: t.clock.now() });
    await verify(t, local, await account.signMessage({ message: local })).expect(401, { error: AUTH_ERRORS.uri });

    const secure = siweMessage(account.address, nonce, { uri: 'https://localhost:3000', issuedAt: t.clock.now() });
    await verify(t, secure, await account.signMessage({ message: secure })).expect(200);
  });
});
