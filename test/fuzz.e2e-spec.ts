import fc from 'fast-check';
import { rawRequest, RawResponse } from './support/raw-http';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Hostile input, generated: random methods and paths, percent-encoding tricks, huge and deeply
 * nested JSON, wrong types, invalid UTF-8, prototype keys, oversized headers, SQL and script
 * payloads. The app must never answer 5xx, must always answer JSON (bar /docs), must stay up, and a
 * rejected request must leave the database exactly as it was.
 */

const ADDRESS = '0x' + 'a1'.repeat(20);
const PAYLOADS = [
  "' OR '1'='1", "'; drop table profiles; --", '" or ""="', '1; select pg_sleep(5)', '$1', '?', '??',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '{{7*7}}', '${7*7}', '../../etc/passwd',
  '%00', '%2e%2e%2f', '%ff%fe', '%c0%af', '%', '%%', '%u0000', '\u0000', 'alice\u0000', 'ａｄｍｉｎ', 'Admin',
  'a'.repeat(5000), '0X' + 'A'.repeat(40), ADDRESS + ' ', ADDRESS.toUpperCase(), '', ' ', 'null', 'undefined',
];

const segment = fc.oneof(
  fc.constantFrom(...PAYLOADS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{2,29}$/),
  fc.constant(ADDRESS),
);

/** Percent-encodes every UTF-8 byte of `text` whose character `keep` does not match (lone surrogates too). */
function percentEncode(text: string, keep: RegExp): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => (byte < 0x80 && keep.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`))
    .join('');
}

/** Path bytes: some percent-encoded, some raw (including invalid UTF-8), so the router sees both. */
const path = fc
  .tuple(
    fc.constantFrom(
      '/api/profile', '/api/profile/', '/api/profiles?addresses=', '/api/nicknames/check/', '/api/nicknames/check?nickname=',
      '/api/nicknames/reverse/', '/api/nicknames/resolve/', '/api/db/migrate', '/api/admin/migrations', '/health/',
      '/api/auth/verify', '/', '/api/', '/api/profile/x/y/', '//api//profile/',
    ),
    segment,
    fc.constantFrom('encode', 'raw', 'invalid-utf8'),
  )
  .map(([prefix, seg, mode]) => {
    if (mode === 'encode') return Buffer.from(prefix + percentEncode(seg, /[A-Za-z0-9_.~-]/));
    if (mode === 'invalid-utf8') return Buffer.concat([Buffer.from(prefix), Buffer.from([0xc3, 0x28, 0xff, 0xfe])]);
    // Raw: only bytes an HTTP request line can carry unescaped (no spaces, no control characters).
    return Buffer.from(prefix + percentEncode(seg, /[\x21-\x7e]/));
  });

const prototypeKeys = fc.constantFrom('__proto__', 'constructor', 'prototype');
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...PAYLOADS),
  fc.integer(),
  fc.double(),
  fc.constant(2 ** 31),
  fc.constant(-1),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), prototypeKeys), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  fc.record({ style: fc.string(), selection: fc.string(), variant: fc.oneof(fc.integer(), fc.string(), fc.double()) }),
);

const jsonBody = fc.oneof(
  fc.record(
    { address: hostileValue, nickname: hostileValue, newNickname: hostileValue, avatar: hostileValue, extra: hostileValue },
    { requiredKeys: [] },
  ).map((o) => JSON.stringify(o)),
  fc.tuple(prototypeKeys, hostileValue).map(([k, v]) => `{"address":"${ADDRESS}","nickname":"Proto1","${k}":${JSON.stringify(v) ?? 'null'}}`),
  fc.integer({ min: 1, max: 5000 }).map((depth) => `{"address":"${ADDRESS}","nickname":"Deep1","avatar":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.integer({ min: 1, max: 3000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.constant(`{"address":"${ADDRESS}","nickname":"${'x'.repeat(20_000)}"}`),
  fc.constantFrom('{', '{"address":', '[1,2', 'nul', '{"a":1}}', '\u0000', '"just a string"', '123', '[]', 'null', '{"a":NaN}'),
  fc.json(),
);

const body = fc.oneof(
  jsonBody.map((text) => Buffer.from(text)),
  fc.constant(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])), // invalid UTF-8 in a string
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
);

const headers = fc.record(
  {
    'content-type': fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '') },
    ),
    // Rare: an oversized header block ends the request before routing.
    'x-oversized': fc.oneof({ weight: 12, arbitrary: fc.constant('small') }, { weight: 1, arbitrary: fc.constantFrom('a'.repeat(20_000), 'b'.repeat(70_000)) }),
    'x-request-id': fc.constantFrom('ok-1', 'x'.repeat(500), '<script>', '../../'),
    'if-none-match': fc.constantFrom('*', '"abc"', 'W/"x"', '"'.repeat(100)),
    authorization: fc.constantFrom('Bearer ', 'Bearer x.y.z', 'Basic Zm9vOmJhcg==', 'Bearer ' + 'a'.repeat(3000)),
    'x-migrate-secret': fc.constantFrom('', 'wrong', "' OR 1=1 --"),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', '1.2.3.4, 5.6.7.8', 'garbage'),
  },
  { requiredKeys: [] },
);

const hostileRequest = fc.record({
  method: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH') },
    { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND') },
  ),
  path,
  headers,
  body: fc.option(body, { nil: undefined }),
});

describe('hostile input (property-based fuzz)', () => {
  let t: TestApp;

  /** Everything in the table, as one comparable value. */
  const snapshot = async () =>
    JSON.stringify(await t.db.query('select * from profiles order by address'));

  beforeAll(async () => {
    t = await startTestApp();
    // A known row the fuzz could try to damage.
    await t.db.query(
      `insert into profiles (address, nickname, nickname_normalized) values ($1, 'Keeper', 'keeper')`,
      ['0x' + 'b2'.repeat(20)],
    );
  });
  afterAll(async () => {
    await t.close();
  });

  function assertWellFormed(res: RawResponse, method: string, requestPath: string): void {
    expect(res.status).toBeGreaterThanOrEqual(100);
    expect(res.status).toBeLessThan(500);
    const hasBody = method !== 'HEAD' && res.status !== 204 && res.status !== 304;
    if (hasBody && !requestPath.startsWith('/docs')) {
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const parsed = JSON.parse(res.body);
      if (res.status >= 400 && parsed !== null) expect(typeof parsed.error).toBe('string');
    }
    expect(res.body).not.toMatch(/at \S+ \(|QueryFailedError|syntax error at or near|node_modules/);
  }

  it('never answers 5xx or non-JSON, and a rejected request changes nothing', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostileRequest, async (req) => {
        const before = await snapshot();
        const res = await rawRequest(t.url, req);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assertWellFormed(res, req.method, req.path.toString('latin1'));
        if (res.status >= 400) expect(await snapshot()).toBe(before);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500), seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
    );
    // The generator must reach the handlers, not only the router's 404: several outcomes occurred.
    process.stdout.write(`fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    for (const status of [200, 400, 404]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    const health = await rawRequest(t.url, { method: 'GET', path: '/health' });
    expect(health.status).toBe(200);
  });

  // Regression cases: inputs that once broke something, kept so they stay fixed.
  it.each([
    ['deeply nested avatar array', 'POST', '/api/profile', `{"address":"${ADDRESS}","nickname":"Deep1","avatar":${'['.repeat(5000)}${']'.repeat(5000)}}`],
    ['prototype pollution key', 'POST', '/api/profile', `{"address":"${ADDRESS}","nickname":"Proto1","__proto__":{"isAdmin":true}}`],
    ['constructor.prototype key', 'POST', '/api/profile', `{"address":"${ADDRESS}","nickname":"Proto2","constructor":{"prototype":{"x":1}}}`],
    ['invalid UTF-8 in the path', 'GET', Buffer.from([...Buffer.from('/api/nicknames/check/'), 0xc3, 0x28]), undefined],
    ['percent-encoded NUL', 'GET', '/api/nicknames/resolve/alice%00', undefined],
    ['malformed percent-encoding', 'GET', '/api/profile/%E0%A4%A', undefined],
  ])('%s', async (_name, method, requestPath, requestBody) => {
    const before = await snapshot();
    const res = await rawRequest(t.url, {
      method: method as string,
      path: requestPath as string | Buffer,
      headers: requestBody ? { 'content-type': 'application/json' } : {},
      body: requestBody as string | undefined,
    });
    assertWellFormed(res, method as string, requestPath.toString());
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await snapshot()).toBe(before);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('answers an oversized header block with a JSON 431, not a bare socket error', async () => {
    const res = await rawRequest(t.url, { method: 'GET', path: '/health', headers: { 'x-big': 'x'.repeat(70_000) } });
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toEqual({ error: expect.any(String) });
  });
});
