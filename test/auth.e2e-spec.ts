import jwt from 'jsonwebtoken';
import request from 'supertest';
import { MIGRATIONS } from '../migrations';
import { AUTH_ERRORS } from '../src/auth/auth.service';
import { MALFORMED_SIGNATURE } from '../src/auth/dto/verify.dto';
import { loadConfig } from '../src/config/app-config';
import { MigrationRunner } from '../src/database/migration-runner';
import { openOrm } from '../src/database/orm.config';
import { newAccount, requestNonce, signIn, siweMessage } from './support/auth';
import { smartAccountSignature } from './support/rpc-stub';
import { startTestApp, TestApp } from './support/test-app';
import { createTestDatabase } from './support/test-database';

/** 48 characters: long enough for production rules, obviously fake. */
const SESSION_SECRET = 'test-session-secret-0123456789-abcdefghijklmnop';
const AUTH_REQUIRED = { error: 'Authentication required' };
const SEVEN_DAYS_MS = 7 * 86_400_000;
const TEN_MINUTES_MS = 10 * 60_000;
const RANDOM_KEY_WARNING = 'SESSION_SECRET is not set: sessions are signed with a random per-process key';

interface NonceRow {
  nonce: string;
  expires_at: Date;
  used_at: Date | null;
  attempts: number;
}
interface SessionRow {
  id: string;
  address: string;
  expires_at: Date;
  revoked_at: Date | null;
}

const nonceRow = async (t: TestApp, nonce: string) =>
  (await t.db.query<NonceRow>('select nonce, expires_at, used_at, attempts from auth_nonces where nonce = $1', [nonce]))[0];
const sessionRows = async (t: TestApp, address: string) =>
  t.db.query<SessionRow>('select id, address, expires_at, revoked_at from auth_sessions where address = $1', [address]);

const verify = (t: TestApp, message: string, signature: string) =>
  request(t.url).post('/api/auth/verify').send({ message, signature });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('auth: Sign-In with Ethereum sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SESSION_SECRET } });
  });
  afterAll(async () => {
    await t.close();
  });
  // Tests that move the app's clock put it back, so each starts at "now".
  afterEach(() => t.clock.set(new Date()));

  /** A message for `account` with a fresh nonce and the app's current time. */
  const freshMessage = async (account = newAccount(), overrides: Parameters<typeof siweMessage>[2] = {}) => {
    const nonce = await requestNonce(t.url);
    const message = siweMessage(account.address, nonce, { issuedAt: t.clock.now(), ...overrides });
    return { account, nonce, message, signature: await account.signMessage({ message }) };
  };

  describe('happy path', () => {
    it('nonce → sign → verify → session; logout revokes, and the same token then gets 401', async () => {
      const issued = await request(t.url).post('/api/auth/nonce').expect(201);
      expect(issued.body).toEqual({ nonce: expect.stringMatching(/^[0-9a-f]{32}$/), expiresAt: expect.any(String) });
      expect(new Date(issued.body.expiresAt).getTime()).toBe(t.clock.now().getTime() + TEN_MINUTES_MS);
      expect(await nonceRow(t, issued.body.nonce)).toMatchObject({ used_at: null });

      const account = newAccount();
      const address = account.address.toLowerCase();
      const message = siweMessage(account.address, issued.body.nonce, { issuedAt: t.clock.now() });
      const signed = await verify(t, message, await account.signMessage({ message })).expect(200);
      expect(signed.body).toEqual({ token: expect.any(String), address, expiresAt: expect.any(String) });
      expect(Math.abs(new Date(signed.body.expiresAt).getTime() - (t.clock.now().getTime() + SEVEN_DAYS_MS))).toBeLessThan(1000);
      expect((await nonceRow(t, issued.body.nonce)).used_at).toBeInstanceOf(Date);
      const [row] = await sessionRows(t, address);
      expect(row).toMatchObject({ address, revoked_at: null });
      expect(row.expires_at.toISOString()).toBe(signed.body.expiresAt);

      const token = signed.body.token as string;
      const session = await request(t.url).get('/api/auth/session').set(bearer(token)).expect(200);
      expect(session.body).toEqual({ address, sessionId: row.id, expiresAt: signed.body.expiresAt });

      await request(t.url)
        .post('/api/auth/logout')
        .set(bearer(token))
        .expect(200)
        .expect((res) => expect(res.body).toEqual({ success: true }));
      expect((await sessionRows(t, address))[0].revoked_at).toBeInstanceOf(Date);

      const after = await request(t.url).get('/api/auth/session').set(bearer(token)).expect(401);
      expect(after.body).toEqual(AUTH_REQUIRED);
      expect(after.headers['www-authenticate']).toBe('Bearer');
      await request(t.url).post('/api/auth/logout').set(bearer(token)).expect(401, AUTH_REQUIRED);
    });

    it('the test helper signs in through the same flow; the address is lowercase however the message wrote it', async () => {
      const me = await signIn(t.url, newAccount(), { issuedAt: t.clock.now() });
      expect(me.address).toBe(me.account.address.toLowerCase());
      const res = await request(t.url).get('/api/auth/session').set(me.headers).expect(200);
      expect(res.body.address).toBe(me.address);
    });

    it('a message expirationTime earlier than the session TTL ends the session there', async () => {
      const expirationTime = new Date(t.clock.now().getTime() + 3_600_000);
      const { message, signature } = await freshMessage(newAccount(), { expirationTime });
      const res = await verify(t, message, signature).expect(200);
      expect(res.body.expiresAt).toBe(new Date(Math.floor(expirationTime.getTime() / 1000) * 1000).toISOString());

      t.clock.set(new Date(expirationTime.getTime() + 1000));
      await request(t.url).get('/api/auth/session').set(bearer(res.body.token)).expect(401, AUTH_REQUIRED);
    });

    it('accepts issuedAt ahead of the server clock within SIWE_CLOCK_SKEW_SECONDS (60)', async () => {
      const { message, signature } = await freshMessage(newAccount(), { issuedAt: new Date(t.clock.now().getTime() + 30_000) });
      await verify(t, message, signature).expect(200);
    });

    it('two concurrent verifications of one signed message open exactly one session', async () => {
      const { account, message, signature } = await freshMessage();
      const results = await Promise.all([verify(t, message, signature), verify(t, message, signature), verify(t, message, signature)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
      for (const r of results.filter((r) => r.status === 401)) expect(r.body).toEqual({ error: AUTH_ERRORS.usedNonce });
      expect(await sessionRows(t, account.address.toLowerCase())).toHaveLength(1);
    });
  });

  describe('refusals at sign-in', () => {
    it('a replayed nonce: 401 "Nonce already used", no second session', async () => {
      const { account, message, signature } = await freshMessage();
      await verify(t, message, signature).expect(200);
      const replay = await verify(t, message, signature).expect(401);
      expect(replay.body).toEqual({ error: 'Nonce already used' });
      expect(await sessionRows(t, account.address.toLowerCase())).toHaveLength(1);
    });

    it('an unknown nonce: 401 "Unknown nonce"', async () => {
      const account = newAccount();
      const message = siweMessage(account.address, 'neverIssued0123456789', { issuedAt: t.clock.now() });
      const res = await verify(t, message, await account.signMessage({ message })).expect(401);
      expect(res.body).toEqual({ error: 'Unknown nonce' });
      expect(await sessionRows(t, account.address.toLowerCase())).toEqual([]);
    });

    it('an expired nonce (ten minutes on the app clock): 401 "Nonce expired", left unused', async () => {
      const nonce = await requestNonce(t.url);
      t.clock.set(new Date(t.clock.now().getTime() + TEN_MINUTES_MS + 1000));
      const account = newAccount();
      const message = siweMessage(account.address, nonce, { issuedAt: t.clock.now() });
      const res = await verify(t, message, await account.signMessage({ message })).expect(401);
      expect(res.body).toEqual({ error: 'Nonce expired' });
      expect((await nonceRow(t, nonce)).used_at).toBeNull();
    });

    it('a domain not in SIWE_DOMAINS: 401, and the refusal does not burn the nonce', async () => {
      const account = newAccount();
      const nonce = await requestNonce(t.url);
      const evil = siweMessage(account.address, nonce, { domain: 'evil.example', uri: 'https://evil.example', issuedAt: t.clock.now() });
      const res = await verify(t, evil, await account.signMessage({ message: evil })).expect(401);
      expect(res.body).toEqual({ error: 'SIWE domain not allowed' });
      expect(await nonceRow(t, nonce)).toMatchObject({ used_at: null, attempts: 0 });

      const good = siweMessage(account.address, nonce, { issuedAt: t.clock.now() });
      await verify(t, good, await account.signMessage({ message: good })).expect(200);
    });

    it('a chain not in SIWE_CHAIN_IDS: 401 "SIWE chain not allowed"', async () => {
      const { message, signature } = await freshMessage(newAccount(), { chainId: 1 });
      const res = await verify(t, message, signature).expect(401);
      expect(res.body).toEqual({ error: 'SIWE chain not allowed' });
    });

    it('an expired message (expirationTime passed): 401 "SIWE message expired"', async () => {
      const now = t.clock.now().getTime();
      const { message, signature } = await freshMessage(newAccount(), {
        issuedAt: new Date(now - 120_000),
        expirationTime: new Date(now - 1000),
      });
      const res = await verify(t, message, signature).expect(401);
      expect(res.body).toEqual({ error: 'SIWE message expired' });
    });

    it('issuedAt beyond the clock skew in the future: 401 "SIWE message issued in the future"', async () => {
      const { message, signature } = await freshMessage(newAccount(), { issuedAt: new Date(t.clock.now().getTime() + 5 * 60_000) });
      const res = await verify(t, message, signature).expect(401);
      expect(res.body).toEqual({ error: 'SIWE message issued in the future' });
    });

    it('notBefore still ahead: 401 "SIWE message not yet valid"', async () => {
      const { message, signature } = await freshMessage(newAccount(), { notBefore: new Date(t.clock.now().getTime() + 5 * 60_000) });
      const res = await verify(t, message, signature).expect(401);
      expect(res.body).toEqual({ error: 'SIWE message not yet valid' });
    });

    it('a signature by another key: 401 "Signature does not match address", nonce kept', async () => {
      const { nonce, message } = await freshMessage();
      const res = await verify(t, message, await newAccount().signMessage({ message })).expect(401);
      expect(res.body).toEqual({ error: 'Signature does not match address' });
      expect(await nonceRow(t, nonce)).toMatchObject({ used_at: null, attempts: 1 });
    });

    it('a message tampered with after signing: 401 "Signature does not match address"', async () => {
      const { account, message, signature } = await freshMessage();
      const tampered = message.replace('Sign in to Villa', 'Sign in to Villa and transfer everything');
      expect(tampered).not.toBe(message);
      const res = await verify(t, tampered, signature).expect(401);
      expect(res.body).toEqual({ error: 'Signature does not match address' });
      expect(await sessionRows(t, account.address.toLowerCase())).toEqual([]);
    });

    it.each([
      ['not hex', 'zzzz'],
      ['no 0x prefix', 'ab'.repeat(65)],
      ['an odd number of digits', `0x${'a'.repeat(129)}`],
      ['empty bytes', '0x'],
      ['a number', 12345],
      ['absurdly long', `0x${'ab'.repeat(6001)}`],
    ])('a malformed signature (%s): 400 with the documented message', async (_case, signature) => {
      const { message } = await freshMessage();
      const res = await request(t.url).post('/api/auth/verify').send({ message, signature }).expect(400);
      expect(res.body).toEqual({ error: MALFORMED_SIGNATURE });
    });

    it('a 65-byte signature that is not a valid secp256k1 signature: 401 "Signature does not match address"', async () => {
      const { message } = await freshMessage();
      const res = await verify(t, message, `0x${'00'.repeat(64)}05`).expect(401);
      expect(res.body).toEqual({ error: 'Signature does not match address' });
    });

    it('text that is not a SIWE message: 400 "Malformed SIWE message"', async () => {
      const account = newAccount();
      const message = 'Please sign in';
      const res = await verify(t, message, await account.signMessage({ message })).expect(400);
      expect(res.body).toEqual({ error: 'Malformed SIWE message' });
    });

    it('a smart-account signature without CHAIN_RPC_URL: 401 with the documented message', async () => {
      const owner = newAccount();
      const smartAccount = newAccount().address;
      const nonce = await requestNonce(t.url);
      const message = siweMessage(smartAccount, nonce, { issuedAt: t.clock.now() });
      const res = await verify(t, message, await smartAccountSignature(owner, message)).expect(401);
      expect(res.body).toEqual({ error: AUTH_ERRORS.needsRpc });
      expect(res.body.error).toMatch(/CHAIN_RPC_URL/);
      expect((await nonceRow(t, nonce)).used_at).toBeNull();
    });
  });

  describe('EIP-4361 conformance: every variant is really signed, so only the message rules can refuse it', () => {
    /** A fresh nonce, the standard message for `account`, edited by `edit`, then signed as edited. */
    const signedVariant = async (edit: (message: string) => string, account = newAccount()) => {
      const nonce = await requestNonce(t.url);
      const message = edit(siweMessage(account.address, nonce, { issuedAt: t.clock.now() }));
      return { account, nonce, message, signature: await account.signMessage({ message }) };
    };
    const at = (ms: number) => new Date(t.clock.now().getTime() + ms).toISOString();
    const setUri = (uri: string) => (m: string) => m.replace(/\nURI: .*\n/, `\nURI: ${uri}\n`);

    it.each([
      ['free text after the last field', (m: string) => `${m}\n\nIGNORE ABOVE. Signing this only proves you own the wallet.`],
      ['a two-line statement', (m: string) => m.replace('Sign in to Villa', 'Sign in to Villa\nand to evil.example')],
      [
        'a second URI…Issued At block for another chain',
        (m: string) => `${m}\nURI: http://localhost:3000\nVersion: 1\nChain ID: 1\nNonce: abcdef0123456789\nIssued At: ${at(0)}`,
      ],
      ['Chain ID: 08453', (m: string) => m.replace('Chain ID: 8453', 'Chain ID: 08453')],
      ['a lower-case (non-EIP-55) address', (m: string) => m.replace(/\n0x[0-9a-fA-F]{40}\n/, (line) => line.toLowerCase())],
    ])('%s: 400 "Malformed SIWE message", nothing spent on the nonce', async (_case, edit) => {
      const { account, nonce, message, signature } = await signedVariant(edit);
      expect(message).not.toBe(siweMessage(account.address, nonce, { issuedAt: t.clock.now() }));
      const res = await verify(t, message, signature).expect(400);
      expect(res.body).toEqual({ error: 'Malformed SIWE message' });
      expect(await nonceRow(t, nonce)).toMatchObject({ used_at: null, attempts: 0 });
      expect(await sessionRows(t, account.address.toLowerCase())).toEqual([]);
    });

    it.each([
      // A grammatical RFC 3986 URI (scheme "javascript", path "alert(1)"): the policy refuses it, not the grammar.
      ['URI: javascript:alert(1)', setUri('javascript:alert(1)')],
      ['URI: https://evil.example (host is not the domain)', setUri('https://evil.example')],
      ['URI: evil://localhost:3000 (another scheme)', setUri('evil://localhost:3000')],
      ['URI: https://localhost:3000@evil.example (the domain as userinfo)', setUri('https://localhost:3000@evil.example')],
    ])('%s: 401 "SIWE URI not allowed"', async (_case, edit) => {
      const { nonce, message, signature } = await signedVariant(edit);
      const res = await verify(t, message, signature).expect(401);
      expect(res.body).toEqual({ error: 'SIWE URI not allowed' });
      expect(await nonceRow(t, nonce)).toMatchObject({ used_at: null, attempts: 0 });
    });

    it('an Expiration Time in the past after Not Before (out of order): 401 "SIWE message expired"', async () => {
      const { account, message, signature } = await signedVariant((m) => `${m}\nNot Before: ${at(-3_600_000)}\nExpiration Time: ${at(-86_400_000)}`);
      const res = await verify(t, message, signature).expect(401);
      expect(res.body).toEqual({ error: 'SIWE message expired' });
      expect(await sessionRows(t, account.address.toLowerCase())).toEqual([]);
    });

    it('http://localhost:3000 is accepted outside production (the unit tests refuse it under production rules)', async () => {
      const { message, signature } = await signedVariant((m) => m);
      expect(message).toContain('\nURI: http://localhost:3000\n');
      await verify(t, message, signature).expect(200);
    });

    it('after a refused variant, the same nonce still signs in with a conforming message', async () => {
      const { account, nonce, message, signature } = await signedVariant((m) => `${m}\nIGNORE ABOVE`);
      await verify(t, message, signature).expect(400);
      const good = siweMessage(account.address, nonce, { issuedAt: t.clock.now() });
      await verify(t, good, await account.signMessage({ message: good })).expect(200);
    });
  });

  describe('SessionGuard', () => {
    let me: Awaited<ReturnType<typeof signIn>>;
    beforeAll(async () => {
      me = await signIn(t.url);
    });

    it.each([
      ['no Authorization header', {}],
      ['an empty bearer', { authorization: 'Bearer ' }],
      ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['garbage', { authorization: 'Bearer not-a-jwt' }],
    ])('%s: 401 "Authentication required"', async (_case, headers) => {
      const res = await request(t.url).get('/api/auth/session').set(headers).expect(401);
      expect(res.body).toEqual(AUTH_REQUIRED);
    });

    it('a token signed with another secret: 401 (the same claims under SESSION_SECRET pass)', async () => {
      const claims = jwt.decode(me.token) as jwt.JwtPayload;
      const forge = (secret: string) => jwt.sign(claims, secret, { algorithm: 'HS256' });
      await request(t.url).get('/api/auth/session').set(bearer(forge('another-secret-of-sufficient-length-0123456789'))).expect(401, AUTH_REQUIRED);
      await request(t.url).get('/api/auth/session').set(bearer(forge(SESSION_SECRET))).expect(200);
    });

    it('an unsigned token (alg "none"): 401', async () => {
      const claims = jwt.decode(me.token) as jwt.JwtPayload;
      const unsigned = jwt.sign(claims, '', { algorithm: 'none' });
      await request(t.url).get('/api/auth/session').set(bearer(unsigned)).expect(401, AUTH_REQUIRED);
    });

    it('a validly signed token naming a session that does not exist: 401', async () => {
      const claims = { ...(jwt.decode(me.token) as jwt.JwtPayload), sid: '00000000-0000-4000-8000-000000000000' };
      await request(t.url).get('/api/auth/session').set(bearer(jwt.sign(claims, SESSION_SECRET))).expect(401, AUTH_REQUIRED);
    });

    it('an expired token (the app clock past the 7-day TTL): 401; back within the TTL it works', async () => {
      t.clock.set(new Date(new Date(me.expiresAt).getTime() + 1000));
      await request(t.url).get('/api/auth/session').set(me.headers).expect(401, AUTH_REQUIRED);
      t.clock.set(new Date(new Date(me.expiresAt).getTime() - 60_000));
      await request(t.url).get('/api/auth/session').set(me.headers).expect(200);
    });

    it('a token for address A where address B is needed: 403 "Session does not match address"', async () => {
      const other = newAccount().address;
      const res = await request(t.url).get('/api/auth/session').query({ address: other }).set(me.headers).expect(403);
      expect(res.body).toEqual({ error: 'Session does not match address' });

      const own = await request(t.url).get('/api/auth/session').query({ address: me.account.address.toUpperCase().replace('0X', '0x') }).set(me.headers).expect(200);
      expect(own.body.address).toBe(me.address);
      await request(t.url).get('/api/auth/session').query({ address: 'nope' }).set(me.headers).expect(400, { error: 'Invalid address format' });
    });

    it('logs each request (id, method, URL, status) without its headers: never the bearer token', () => {
      const sessionRequests = t.logs.map((line) => JSON.parse(line)).filter((e) => e.req?.url?.startsWith('/api/auth/session'));
      expect(sessionRequests.length).toBeGreaterThan(0);
      for (const entry of sessionRequests) {
        expect(Object.keys(entry.req).sort()).toEqual(['id', 'method', 'url']);
        expect(entry).toMatchObject({ msg: 'request completed', res: { statusCode: expect.any(Number) }, responseTime: expect.any(Number) });
      }
      expect(t.logs.filter((line) => line.includes(me.token.split('.')[2]))).toEqual([]);
    });

    it('with SESSION_SECRET set, no random-key warning', () => {
      expect(t.logs.filter((line) => line.includes(RANDOM_KEY_WARNING))).toEqual([]);
    });

    it('documents the routes in OpenAPI, the guarded ones behind the bearer or the cookie scheme', async () => {
      const res = await request(t.url).get('/docs-json').expect(200);
      expect(Object.keys(res.body.paths['/api/auth/nonce'])).toEqual(['post']);
      expect(res.body.paths['/api/auth/verify'].post.responses).toHaveProperty('503');
      expect(res.body.components.securitySchemes.cookie).toEqual({ type: 'apiKey', in: 'cookie', name: 'villa_session' });
      for (const [path, method] of [['/api/auth/session', 'get'], ['/api/auth/logout', 'post'], ['/api/profile', 'post'], ['/api/profile', 'patch'], ['/api/nicknames/claim', 'post']]) {
        const security = res.body.paths[path][method].security as object[];
        expect({ path, method, security: [...security].sort((a, b) => Object.keys(a)[0].localeCompare(Object.keys(b)[0])) }).toEqual({ path, method, security: [{ bearer: [] }, { cookie: [] }] });
      }
    });
  });
});

describe('auth migrations', () => {
  const AUTH = 'Migration20261129010000_auth';
  const NONCE_ATTEMPTS = 'Migration20261201190554_nonce_attempts';

  it('create auth_nonces (with attempts >= 0) and auth_sessions; down() undoes one at a time and leaves profiles; up() again', async () => {
    const db = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url });
    const orm = await openOrm({ ...config.database, poolMax: 1 }, db.url);
    const tables = async () =>
      (await db.query<{ t: string }>(`select tablename as t from pg_tables where schemaname = 'public' order by 1`)).map((r) => r.t);
    const nonceColumns = async () =>
      (await db.query<{ c: string }>(`select column_name as c from information_schema.columns where table_name = 'auth_nonces' order by 1`)).map((r) => r.c);
    try {
      const runner = new MigrationRunner(orm, MIGRATIONS);
      await runner.up();
      expect(await tables()).toEqual(expect.arrayContaining(['auth_nonces', 'auth_sessions', 'profiles']));
      await expect(
        db.query(`insert into auth_sessions (id, address, expires_at) values (gen_random_uuid(), '0xABC', now())`),
      ).rejects.toThrow(/auth_sessions_address_format/);
      await db.query(`insert into auth_nonces (nonce, expires_at) values ('existing0nonce', now())`);
      expect(await db.query(`select attempts from auth_nonces`)).toEqual([{ attempts: 0 }]);
      await expect(db.query(`update auth_nonces set attempts = -1`)).rejects.toThrow(/auth_nonces_attempts_nonnegative/);

      expect((await runner.down()).reverted).toBe(NONCE_ATTEMPTS);
      expect(await nonceColumns()).toEqual(['created_at', 'expires_at', 'nonce', 'used_at']);
      expect((await runner.up()).applied).toEqual([NONCE_ATTEMPTS]);
      expect(await db.query(`select nonce, attempts from auth_nonces`)).toEqual([{ nonce: 'existing0nonce', attempts: 0 }]);

      expect((await runner.down()).reverted).toBe(NONCE_ATTEMPTS);
      expect((await runner.down()).reverted).toBe(AUTH);
      expect(await tables()).not.toEqual(expect.arrayContaining(['auth_nonces']));
      expect(await tables()).not.toEqual(expect.arrayContaining(['auth_sessions']));
      expect(await tables()).toContain('profiles');

      expect((await runner.up()).applied).toEqual([AUTH, NONCE_ATTEMPTS]);
      expect(await tables()).toEqual(expect.arrayContaining(['auth_nonces', 'auth_sessions']));
    } finally {
      await orm.close();
      await db.drop();
    }
  });
});
