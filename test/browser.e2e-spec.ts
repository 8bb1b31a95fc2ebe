import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newAccount } from './support/auth';
import { chromiumAvailable, launchChromium } from './support/browser';
import { profileRow } from './support/owners';
import { SameOriginProxy } from './support/same-origin-proxy';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The frontend's page, reduced to its calls: relative URLs, plain fetch, no Authorization header,
 * nothing bundled. `/__wallet/sign-in` stands in for viem's createSiweMessage and the user's wallet
 * (the proxy signs with a viem local account); everything else is what the frontend sends.
 */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Villa</title></head><body>
<script>
const json = async (res) => ({ status: res.status, body: await res.json() });
window.villa = {
  async signIn() {
    const { nonce } = await (await fetch('/api/auth/nonce', { method: 'POST' })).json();
    const signed = await (await fetch('/__wallet/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nonce, domain: location.host, uri: location.origin }),
    })).json();
    return json(await fetch('/api/auth/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signed) }));
  },
  returningUser: async (address) => json(await fetch('/api/nicknames/reverse/' + address)),
  saveProfile: async (address, nickname, avatar) =>
    json(await fetch('/api/profile', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address, nickname, avatar }) })),
  session: async () => json(await fetch('/api/auth/session')),
};
</script></body></html>`;

/** A page on another origin, aiming writes at the frontend's API. */
const OTHER_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>elsewhere</title></head><body><script>
window.attempt = async (url, init) => {
  try {
    const res = await fetch(url, { credentials: 'include', ...init });
    return { completed: true, type: res.type, status: res.status };
  } catch (err) {
    return { completed: false, error: String(err) };
  }
};
</script></body></html>`;

/** What the pages above put on `window` (the callbacks below run in the browser: no DOM types here). */
interface PageWindow {
  villa: {
    signIn(): Promise<{ status: number; body: { address?: string } }>;
    returningUser(address: string): Promise<{ status: number; body: unknown }>;
    saveProfile(address: string, nickname: string, avatar: object): Promise<{ status: number; body: unknown }>;
    session(): Promise<{ status: number; body: unknown }>;
  };
  attempt(url: string, init: Record<string, unknown>): Promise<{ completed: boolean; type?: string; status?: number; error?: string }>;
  document: { cookie: string };
}

const describeInBrowser = chromiumAvailable() ? describe : describe.skip;

describeInBrowser('the onboarding flow in headless Chromium, on the frontend\'s origin', () => {
  const wallet = newAccount();
  let frontend: SameOriginProxy;
  let other: SameOriginProxy;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    frontend = await SameOriginProxy.start({ page: PAGE, wallet });
    other = await SameOriginProxy.start({ page: OTHER_PAGE });
    t = await startTestApp({ env: { SIWE_DOMAINS: frontend.host } });
    frontend.forwardTo(t.url);
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`${frontend.origin}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await frontend?.close();
    await other?.close();
  });

  const avatar = { style: 'avataaars', selection: 'male', variant: 7 };

  it('reverse 404 → sign in → POST /api/profile with fetch as the frontend does → reverse 200', async () => {
    const address = wallet.address;
    const before = await page.evaluate((a) => (globalThis as unknown as PageWindow).villa.returningUser(a), address);
    expect(before).toEqual({ status: 404, body: null });

    const signedIn = await page.evaluate(() => (globalThis as unknown as PageWindow).villa.signIn());
    expect(signedIn).toMatchObject({ status: 200, body: { address: address.toLowerCase() } });

    // The browser kept it, HttpOnly (no script sees it), SameSite=Lax, for /api only.
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).document.cookie)).toBe('');
    const [cookie] = await context.cookies(frontend.origin + '/api/profile');
    expect(cookie).toMatchObject({ name: 'villa_session', httpOnly: true, sameSite: 'Lax', path: '/api', secure: false });
    expect(await context.cookies(frontend.origin + '/')).toEqual([]);

    const saved = await page.evaluate(([a, n, av]) => (globalThis as unknown as PageWindow).villa.saveProfile(a, n, av), [address, 'Browsed', avatar] as const);
    expect(saved).toMatchObject({ status: 201, body: { address: address.toLowerCase(), nickname: 'Browsed', avatar } });

    const after = await page.evaluate((a) => (globalThis as unknown as PageWindow).villa.returningUser(a), address);
    expect(after).toEqual({ status: 200, body: { address: address.toLowerCase(), nickname: 'Browsed', ens: 'browsed.villa.cash' } });

    // What the browser sent: the cookie on every /api call after sign-in, and its own Origin on the write.
    const write = frontend.forwarded.find((r) => r.method === 'POST' && r.path === '/api/profile');
    expect(write).toEqual({ method: 'POST', path: '/api/profile', origin: frontend.origin, sessionCookie: true, status: 201 });
  });

  it('another origin gets nowhere: CORS stops a JSON write, and a same-site one that the cookie rides is refused by Origin', async () => {
    const elsewhere = await context.newPage();
    const target = `${frontend.origin}/api/profile`;
    const logout = `${frontend.origin}/api/auth/logout`;
    const before = await profileRow(t, wallet.address);
    frontend.forwarded.length = 0;

    // Same site (127.0.0.1), another origin (port): SameSite=Lax lets the cookie go along.
    await elsewhere.goto(`${other.origin}/`);
    const json = await elsewhere.evaluate(
      ([url, address]) => (globalThis as unknown as PageWindow).attempt(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address, nickname: 'Hijacked' }) }),
      [target, wallet.address] as const,
    );
    expect(json).toEqual({ completed: false, error: 'TypeError: Failed to fetch' });
    // The preflight found no CORS (no Access-Control-Allow-Origin): the browser never sent the POST.
    expect(frontend.forwarded).toEqual([{ method: 'OPTIONS', path: '/api/profile', origin: other.origin, sessionCookie: false, status: 404 }]);

    // A "simple" request needs no preflight: it goes, with the cookie, and the Origin rule refuses it.
    // (Its answer is hidden from the page too: helmet's Cross-Origin-Resource-Policy is same-origin.)
    frontend.forwarded.length = 0;
    const simple = await elsewhere.evaluate((url) => (globalThis as unknown as PageWindow).attempt(url, { method: 'POST', mode: 'no-cors' }), logout);
    expect(simple).toEqual({ completed: false, error: 'TypeError: Failed to fetch' });
    expect(frontend.forwarded).toEqual([{ method: 'POST', path: '/api/auth/logout', origin: other.origin, sessionCookie: true, status: 403 }]);

    // Another site (localhost): the cookie stays home.
    frontend.forwarded.length = 0;
    await elsewhere.goto(`${other.origin.replace('127.0.0.1', 'localhost')}/`);
    await elsewhere.evaluate((url) => (globalThis as unknown as PageWindow).attempt(url, { method: 'POST', mode: 'no-cors' }), logout);
    expect(frontend.forwarded).toEqual([{ method: 'POST', path: '/api/auth/logout', origin: other.origin.replace('127.0.0.1', 'localhost'), sessionCookie: false, status: 401 }]);

    // Nothing written, nothing revoked: the frontend's page is still signed in.
    expect(await profileRow(t, wallet.address)).toEqual(before);
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).villa.session())).toMatchObject({ status: 200, body: { address: wallet.address.toLowerCase() } });
  });
});

