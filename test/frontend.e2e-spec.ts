import request from 'supertest';
import { newAccount, requestNonce, signedSiwe, signIn } from './support/auth';
import { FrontendClient } from './support/frontend-client';
import { profileRow } from './support/owners';
import { SameOriginProxy } from './support/same-origin-proxy';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The Villa frontend's calls as it makes them (../shared/FRONTEND.md): relative URLs on its own
 * origin, no Authorization header, the session cookie that sign-in sets carried by the client, and
 * Origin sent as a browser sends it. The page's origin is a same-origin proxy forwarding /api to the app.
 */
describe('the frontend, as it calls the API (same origin, session cookie, no bearer token)', () => {
  let page: SameOriginProxy;
  let t: TestApp;

  beforeAll(async () => {
    page = await SameOriginProxy.start();
    t = await startTestApp({ env: { SIWE_DOMAINS: page.host } });
    page.forwardTo(t.url);
  });
  afterAll(async () => {
    await t?.close();
    await page?.close();
  });

  const avatar = { style: 'avataaars', selection: 'female', variant: 42 };

  it('onboarding: reverse 404 → sign in (the cookie) → POST /api/profile → reverse 200', async () => {
    const wallet = newAccount();
    const browser = new FrontendClient(page);
    const address = wallet.address;

    const before = await browser.get(`/api/nicknames/reverse/${address}`).expect(404);
    expect(before.text).toBe('null');

    const verified = await browser.signIn(wallet);
    const cookies = verified.headers['set-cookie'] as unknown as string[];
    expect(cookies).toHaveLength(1);
    const attributes = cookies[0].split('; ');
    expect(attributes[0]).toBe(`villa_session=${verified.body.token}`);
    expect(attributes.slice(1).sort()).toEqual(['Expires=' + new Date(verified.body.expiresAt).toUTCString(), 'HttpOnly', 'Max-Age=604800', 'Path=/api', 'SameSite=Lax']);

    const saved = await browser.post('/api/profile', { address, nickname: 'Onboarded', avatar }).expect(201);
    expect(saved.body).toMatchObject({ address: address.toLowerCase(), nickname: 'Onboarded', avatar, canChangeNickname: true });

    const after = await browser.get(`/api/nicknames/reverse/${address}`).expect(200);
    expect(after.body).toEqual({ address: address.toLowerCase(), nickname: 'Onboarded', ens: 'onboarded.villa.cash' });
    // The request log never holds a header, so never the cookie's token.
    expect(t.logs.filter((line) => line.includes(String(verified.body.token).split('.')[2]))).toEqual([]);
  });

  it("the cookie lasts as long as the session: a message's Expiration Time shortens both", async () => {
    const wallet = newAccount();
    const browser = new FrontendClient(page);
    const signed = await signedSiwe(wallet, await requestNonce(page.origin), {
      domain: page.host,
      uri: page.origin,
      expirationTime: new Date(t.clock.now().getTime() + 3_600_000),
    });
    const res = await browser.post('/api/auth/verify', signed).expect(200);
    expect(res.headers['set-cookie']?.[0]).toMatch(/; Max-Age=3600;/);
  });

  it('settings: GET → PATCH → GET shows it; a second PATCH is 403 with canChangeNickname:false', async () => {
    const wallet = newAccount();
    const browser = new FrontendClient(page);
    await browser.signIn(wallet);
    await browser.post('/api/profile', { address: wallet.address, nickname: 'Settled', avatar }).expect(201);

    const loaded = await browser.get(`/api/profile/${wallet.address}`).expect(200);
    expect(loaded.body).toMatchObject({ nickname: 'Settled', canChangeNickname: true, nicknameChangeCount: 0 });

    await browser.patch('/api/profile', { address: wallet.address, newNickname: 'Resettled' }).expect(200);
    const reloaded = await browser.get(`/api/profile/${wallet.address}`).expect(200);
    expect(reloaded.body).toMatchObject({ nickname: 'Resettled', canChangeNickname: false, nicknameChangeCount: 1, avatar });

    const again = await browser.patch('/api/profile', { address: wallet.address, newNickname: 'Thrice' }).expect(403);
    expect(again.body).toMatchObject({ canChangeNickname: false, error: expect.any(String) });
    expect((await profileRow(t, wallet.address))?.nickname).toBe('Resettled');
  });

  it('sign-up: address lookup 404 → check?nickname= → claim 201 → address lookup 200; a taken name is 409', async () => {
    const wallet = newAccount();
    const browser = new FrontendClient(page);

    const unknown = await browser.get(`/api/nicknames/address/${wallet.address}`).expect(404);
    expect(unknown.body).toEqual({ error: 'Nickname not found' });
    const free = await browser.get(`/api/nicknames/check?nickname=${encodeURIComponent('Signed_Up')}`).expect(200);
    expect(free.body).toEqual({ available: true, normalized: 'signed_up' });

    await browser.signIn(wallet);
    const claimed = await browser.post('/api/nicknames/claim', { address: wallet.address, nickname: 'Signed_Up' }).expect(201);
    expect(claimed.body).toMatchObject({ address: wallet.address.toLowerCase(), nickname: 'Signed_Up', avatar: null, nicknameChangeCount: 0 });

    const known = await browser.get(`/api/nicknames/address/${wallet.address}`).expect(200);
    expect(known.body).toEqual({ address: wallet.address.toLowerCase(), nickname: 'Signed_Up', ens: 'signed-up.villa.cash' });

    const rival = new FrontendClient(page);
    const other = newAccount();
    await rival.signIn(other);
    const taken = await rival.post('/api/nicknames/claim', { address: other.address, nickname: 'SIGNED_UP' }).expect(409);
    expect(taken.body).toEqual({ error: 'Nickname is already taken' });
    const check = await rival.get('/api/nicknames/check?nickname=signed_up').expect(200);
    expect(check.body).toMatchObject({ available: false, reason: 'taken' });
  });

  describe('CSRF: a write carried by the cookie alone must come from the frontend', () => {
    let browser: FrontendClient;
    let address: `0x${string}`;

    beforeAll(async () => {
      const wallet = newAccount();
      address = wallet.address;
      browser = new FrontendClient(page);
      await browser.signIn(wallet);
      await browser.post('/api/profile', { address, nickname: 'Guarded', avatar }).expect(201);
    });

    const writes = () => [
      (origin: string | null) => browser.post('/api/profile', { address, nickname: 'Hijacked', avatar: null }, { origin }),
      (origin: string | null) => browser.patch('/api/profile', { address, newNickname: 'Hijacked' }, { origin }),
      (origin: string | null) => browser.post('/api/nicknames/claim', { address, nickname: 'Hijacked' }, { origin }),
      (origin: string | null) => browser.post('/api/auth/logout', undefined, { origin }),
    ];

    it.each([
      ['a foreign site', 'https://evil.example'],
      ['the same host on another port (same site, another origin)', 'http://127.0.0.1:1'],
      ['the opaque origin', 'null'],
      ['no Origin at all', null],
    ])('from %s → 403 {"error":"Origin not allowed"}, and the row is unchanged', async (_case, origin) => {
      const before = await profileRow(t, address);
      for (const write of writes()) {
        const res = await write(origin).expect(403);
        expect(res.body).toEqual({ error: 'Origin not allowed' });
      }
      expect(await profileRow(t, address)).toEqual(before);
      // Still signed in: the refused logout revoked nothing.
      await browser.get('/api/auth/session').expect(200);
    });

    it('a bearer-authenticated write is judged as before, whatever its Origin', async () => {
      const other = await signIn(page.origin, newAccount(), { domain: page.host, uri: page.origin });
      await request(page.origin)
        .post('/api/profile')
        .set(other.headers)
        .set('origin', 'https://evil.example')
        .send({ address: other.address, nickname: 'Bearer_ok' })
        .expect(201);
    });
  });

  describe('a token in both places must name the same session', () => {
    it('the same session: admitted; two sessions: 401, nothing written', async () => {
      const wallet = newAccount();
      const browser = new FrontendClient(page);
      const first = await browser.signIn(wallet);
      const second = await signIn(page.origin, wallet, { domain: page.host, uri: page.origin });

      await browser.post('/api/profile', { address: wallet.address, nickname: 'Both_same' }).set('authorization', `Bearer ${first.body.token}`).expect(201);
      const res = await browser
        .post('/api/profile', { address: wallet.address, nickname: 'Both_diff' })
        .set('authorization', `Bearer ${second.token}`)
        .expect(401);
      expect(res.body).toEqual({ error: 'Authentication required' });
      expect((await profileRow(t, wallet.address))?.nickname).toBe('Both_same');
    });

    it('a cookie sent twice (another path or domain added one) is refused: 401', async () => {
      const wallet = newAccount();
      const own = await new FrontendClient(page).signIn(wallet);
      const planted = await signIn(page.origin, newAccount(), { domain: page.host, uri: page.origin });
      const res = await request(page.origin)
        .post('/api/profile')
        .set('origin', page.origin)
        .set('cookie', `villa_session=${planted.token}; villa_session=${own.body.token}`)
        .send({ address: wallet.address, nickname: 'Tossed' })
        .expect(401);
      expect(res.body).toEqual({ error: 'Authentication required' });
      expect(await profileRow(t, wallet.address)).toBeNull();
    });
  });

  it('logout clears the cookie and revokes the session: the cookie no longer writes', async () => {
    const wallet = newAccount();
    const browser = new FrontendClient(page);
    const verified = await browser.signIn(wallet);
    await browser.post('/api/profile', { address: wallet.address, nickname: 'Leaving' }).expect(201);
    await browser.get('/api/auth/session').expect(200);

    const out = await browser.post('/api/auth/logout').expect(200);
    expect(out.body).toEqual({ success: true });
    const [cleared] = out.headers['set-cookie'] as unknown as string[];
    expect(cleared).toMatch(/^villa_session=; Max-Age=0; Path=\/api; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/);

    // The client dropped it, as a browser does…
    await browser.post('/api/profile', { address: wallet.address, nickname: 'Returned' }).expect(401);
    // …and a copy kept from before is revoked.
    await request(page.origin)
      .post('/api/profile')
      .set('origin', page.origin)
      .set('cookie', `villa_session=${verified.body.token}`)
      .send({ address: wallet.address, nickname: 'Returned' })
      .expect(401);
    expect((await profileRow(t, wallet.address))?.nickname).toBe('Leaving');
  });
});
