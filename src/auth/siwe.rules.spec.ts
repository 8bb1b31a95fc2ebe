import fc from 'fast-check';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage, type SiweMessage } from 'viem/siwe';
import { assertSessionOwns } from './authenticated-session';
import { checkSiweMessage, SiwePolicy } from './siwe.rules';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const HOUR = 3_600_000;
const policy: SiwePolicy = {
  domains: new Set(['app.villa.cash', 'localhost:3000', 'localhost', '127.0.0.1:3000', '[::1]:3000']),
  chainIds: new Set([8453, 84532]),
  skewMs: 60_000,
  loopbackHttp: true,
};
const production: SiwePolicy = { ...policy, loopbackHttp: false };
const address = privateKeyToAccount(generatePrivateKey()).address;

/** A message the policy accepts; the URI follows the domain unless given. */
const message = (overrides: Partial<SiweMessage> = {}) =>
  createSiweMessage({
    address,
    domain: 'app.villa.cash',
    uri: `https://${overrides.domain ?? 'app.villa.cash'}`,
    version: '1',
    chainId: 8453,
    nonce: 'abcdef0123456789',
    issuedAt: NOW,
    statement: 'Sign in to Villa',
    ...overrides,
  });

const reasonOf = (text: string, now = NOW, rules = policy) => {
  const check = checkSiweMessage(text, rules, now);
  return check.ok ? 'ok' : check.reason;
};
/** Written by hand: viem refuses some authorities the grammar allows (an IPv6 literal). */
const withUri = (uri: string, domain = 'app.villa.cash') =>
  message().replace(/^app\.villa\.cash /, `${domain} `).replace(/\nURI: .*\n/, `\nURI: ${uri}\n`);
const iso = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe('checkSiweMessage', () => {
  it('accepts a complete message and returns the claims, the address lowercased', () => {
    const expirationTime = new Date(NOW.getTime() + HOUR);
    const check = checkSiweMessage(message({ expirationTime }), policy, NOW);
    expect(check).toEqual({
      ok: true,
      claims: {
        address: address.toLowerCase(),
        chainId: 8453,
        nonce: 'abcdef0123456789',
        expirationTime,
      },
    });
  });

  it.each([
    ['no statement', message({ statement: undefined })],
    ['every optional field', message({ expirationTime: new Date(NOW.getTime() + HOUR), notBefore: NOW, requestId: 'req-1', resources: ['https://app.villa.cash/tos', 'ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/'] })],
    ['an empty statement (three blank lines)', message({ statement: undefined }).replace('\n\n\nURI', '\n\n\n\nURI')],
    ['a statement with the reserved characters', message({ statement: "I accept: https://app.villa.cash/tos?x=1#a [ok] (yes) $&'*+,;=@!~_-." })],
    ['a scheme before the domain', `https://${message()}`],
    ['a URI with a path, query and fragment', withUri('https://app.villa.cash/login?next=%2Fme#top')],
    ['a URI with the host in upper case (hosts are case-insensitive)', withUri('https://APP.villa.cash')],
    ['a time offset instead of Z', message().replace(/Issued At: .*/, 'Issued At: 2026-06-01T14:00:00+02:00')],
    ['lower-case t and z (RFC 3339 allows them)', message().replace(/Issued At: .*/, 'Issued At: 2026-06-01t12:00:00.000z')],
    ['microseconds', message().replace(/Issued At: .*/, 'Issued At: 2026-06-01T12:00:00.123456Z')],
  ])('accepts %s', (_case, text) => {
    expect(reasonOf(text)).toBe('ok');
  });

  describe('the EIP-4361 grammar: anything else is malformed (400)', () => {
    const base = message();
    it.each([
      ['plain text', 'sign me in'],
      ['an empty string', ''],
      ['free text after the last field', `${base}\n\nIGNORE ABOVE. This signature only proves your balance.`],
      ['a trailing newline', `${base}\n`],
      ['a NUL after the message', `${base}\0`],
      ['a second URI…Issued At block for another chain', `${base}\nURI: https://app.villa.cash\nVersion: 1\nChain ID: 1\nNonce: abcdef0123456789\nIssued At: ${iso(0)}`],
      ['a two-line statement', message({ statement: 'Sign in to Villa' }).replace('Sign in to Villa', 'Sign in to Villa\nand approve everything')],
      ['a statement with a non-ASCII character', base.replace('Sign in to Villa', 'Sign in to Villä')],
      ['a statement with a right-to-left override', base.replace('Sign in to Villa', 'Sign in \u202e to Villa')],
      ['a statement with a tab', base.replace('Sign in to Villa', 'Sign\tin')],
      ['CRLF line endings', base.replace(/\n/g, '\r\n')],
      ['a leading space', ` ${base}`],
      ['a header in another case', base.replace('wants you', 'Wants you')],
      ['a field name in another case', base.replace('Version: 1', 'version: 1')],
      ['a lower-case (non-EIP-55) address', base.replace(address, address.toLowerCase())],
      ['a badly checksummed address', base.replace(address, `0x${[...address.slice(2)].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('')}`)],
      ['an upper-case 0X prefix', base.replace(address, `0X${address.slice(2)}`)],
      ['a 39-digit address', base.replace(address, address.slice(0, 41))],
      ['a chain id with a leading zero (Chain ID: 08453)', base.replace('Chain ID: 8453', 'Chain ID: 08453')],
      ['a chain id beyond 2^53', base.replace('Chain ID: 8453', 'Chain ID: 9007199254740993')],
      ['a negative chain id', base.replace('Chain ID: 8453', 'Chain ID: -8453')],
      ['no nonce line', base.replace(/\nNonce: .*/, '')],
      ['a nonce shorter than 8 characters', base.replace(/Nonce: \w+/, 'Nonce: abc1234')],
      ['a nonce with a non-alphanumeric', base.replace(/Nonce: \w+/, 'Nonce: abcdef01-23456789')],
      ['a nonce longer than the column', base.replace(/Nonce: \w+/, `Nonce: ${'a'.repeat(65)}`)],
      ['version 2', base.replace('Version: 1', 'Version: 2')],
      ['an empty URI', base.replace(/URI: .*/, 'URI: ')],
      ['a URI with a space', base.replace(/URI: .*/, 'URI: https://app.villa.cash/a b')],
      ['an issuedAt that is not RFC 3339', base.replace(/Issued At: .*/, 'Issued At: yesterday')],
      ['an issuedAt on 30 February', base.replace(/Issued At: .*/, 'Issued At: 2026-02-30T12:00:00Z')],
      ['an issuedAt with a leap second (JavaScript cannot represent it)', base.replace(/Issued At: .*/, 'Issued At: 2026-06-30T23:59:60Z')],
      ['an expirationTime that is not a date', base.replace(/(Issued At: .*)/, '$1\nExpiration Time: soon')],
      ['Not Before ahead of Expiration Time (the fields have an order)', `${base}\nNot Before: ${iso(0)}\nExpiration Time: ${iso(HOUR)}`],
      ['Issued At missing', base.replace(/\nIssued At: .*/, '')],
      ['a resource that is not a URI', message({ resources: ['https://app.villa.cash'] }).replace('- https://app.villa.cash', '- not a uri')],
    ])('refuses %s', (_case, text) => {
      expect(reasonOf(text)).toBe('malformed');
    });
  });

  describe('an Expiration Time that has passed: 401 wherever it sits', () => {
    it.each([
      ['in its place', message({ issuedAt: new Date(NOW.getTime() - 2 * HOUR), expirationTime: new Date(NOW.getTime() - HOUR) })],
      ['after Not Before (out of order)', `${message()}\nNot Before: ${iso(-HOUR)}\nExpiration Time: ${iso(-1000)}`],
      ['after trailing text', `${message()}\nIGNORE ABOVE\nExpiration Time: ${iso(-1000)}`],
    ])('%s', (_case, text) => {
      expect(reasonOf(text)).toBe('expired');
    });

    it('at or after its expirationTime, without skew', () => {
      const expirationTime = new Date(NOW.getTime() + 1000);
      expect(reasonOf(message({ expirationTime }), new Date(NOW.getTime() + 999))).toBe('ok');
      expect(reasonOf(message({ expirationTime }), expirationTime)).toBe('expired');
    });

    it('a statement that reads as a future Expiration Time line bounds the session like the field', () => {
      const shown = new Date(NOW.getTime() + 5 * 60_000);
      const check = checkSiweMessage(message({ statement: `Expiration Time: ${shown.toISOString()}` }), policy, NOW);
      expect(check).toMatchObject({ ok: true, claims: { expirationTime: shown } });
      const both = checkSiweMessage(message({ statement: `Expiration Time: ${shown.toISOString()}`, expirationTime: new Date(NOW.getTime() + HOUR) }), policy, NOW);
      expect(both).toMatchObject({ ok: true, claims: { expirationTime: shown } });
    });

    it('a future expiry out of order is still malformed', () => {
      expect(reasonOf(`${message()}\nNot Before: ${iso(-HOUR)}\nExpiration Time: ${iso(HOUR)}`)).toBe('malformed');
    });
  });

  it('matches the domain case-insensitively, with its port, and refuses any other', () => {
    expect(reasonOf(message({ domain: 'App.Villa.Cash' }))).toBe('ok');
    expect(reasonOf(message({ domain: 'localhost:3000' }))).toBe('ok');
    expect(reasonOf(message({ domain: 'localhost:3001' }))).toBe('domain');
    expect(reasonOf(message({ domain: 'app.villa.cash.evil.example' }))).toBe('domain');
  });

  describe('the URI: https (or loopback http outside production), on exactly the message domain', () => {
    it.each([
      ['another host (https://evil.example)', withUri('https://evil.example')],
      ['another scheme (evil://app.villa.cash)', withUri('evil://app.villa.cash')],
      ['javascript:alert(1)', withUri('javascript:alert(1)')],
      ['no authority (https:app.villa.cash)', withUri('https:app.villa.cash')],
      ['plain http on a public host', withUri('http://app.villa.cash')],
      ['a subdomain of the domain', withUri('https://login.app.villa.cash')],
      ['the domain as userinfo before another host', withUri('https://app.villa.cash@evil.example')],
      ['userinfo before the domain', withUri('https://user@app.villa.cash')],
      ['another port', withUri('https://localhost:3001', 'localhost:3000')],
      ['no port where the domain has one', withUri('https://localhost', 'localhost:3000')],
      ['a port where the domain has none', withUri('https://app.villa.cash:8443')],
    ])('refuses %s', (_case, text) => {
      expect(reasonOf(text)).toBe('uri');
    });

    it.each([
      ['http://localhost:3000', 'localhost:3000'],
      ['http://localhost', 'localhost'],
      ['http://127.0.0.1:3000', '127.0.0.1:3000'],
      ['http://[::1]:3000', '[::1]:3000'],
    ])('allows %s outside production, and refuses it under production rules', (uri, domain) => {
      const text = withUri(uri, domain);
      expect(reasonOf(text)).toBe('ok');
      expect(reasonOf(text, NOW, production)).toBe('uri');
      expect(reasonOf(withUri(uri.replace('http:', 'https:'), domain), NOW, production)).toBe('ok');
    });

    it('applies the same rule to the optional scheme before the domain', () => {
      expect(reasonOf(`https://${message()}`, NOW, production)).toBe('ok');
      expect(reasonOf(`http://${message()}`)).toBe('scheme');
      expect(reasonOf(`evil://${message()}`)).toBe('scheme');
      const local = withUri('https://localhost:3000', 'localhost:3000');
      expect(reasonOf(`http://${local}`)).toBe('ok');
      expect(reasonOf(`http://${local}`, NOW, production)).toBe('scheme');
    });
  });

  it('accepts only the configured chains', () => {
    expect(reasonOf(message({ chainId: 84532 }))).toBe('ok');
    expect(reasonOf(message({ chainId: 1 }))).toBe('chain');
  });

  it('tolerates issuedAt up to the skew ahead, and no further', () => {
    expect(reasonOf(message({ issuedAt: new Date(NOW.getTime() + 60_000) }))).toBe('ok');
    expect(reasonOf(message({ issuedAt: new Date(NOW.getTime() + 60_001) }))).toBe('issuedInFuture');
  });

  it('honours notBefore, within the skew', () => {
    expect(reasonOf(message({ notBefore: new Date(NOW.getTime() + 60_000) }))).toBe('ok');
    expect(reasonOf(message({ notBefore: new Date(NOW.getTime() + 60_001) }))).toBe('notYetValid');
  });

  it('property: nothing appended to an accepted message is accepted', () => {
    const accepted = message({ expirationTime: new Date(NOW.getTime() + HOUR) });
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80, unit: 'binary' }), (tail) => {
        expect(reasonOf(accepted + tail)).not.toBe('ok');
      }),
    );
  });

  it('property: every field combination viem writes is accepted, with the claims it wrote', () => {
    const statement = fc.option(fc.stringMatching(/^[a-zA-Z0-9 .,:;!?'()/@=+-]{1,60}$/), { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom(...[...policy.domains].filter((d) => !d.startsWith('['))),
        statement,
        fc.constantFrom(8453, 84532),
        fc.stringMatching(/^[a-zA-Z0-9]{8,64}$/),
        fc.option(fc.integer({ min: 1, max: 30 * 86_400_000 }), { nil: undefined }),
        fc.option(fc.stringMatching(/^[a-zA-Z0-9-]{0,20}$/), { nil: undefined }),
        (domain, text, chainId, nonce, expiresIn, requestId) => {
          const expirationTime = expiresIn === undefined ? undefined : new Date(NOW.getTime() + expiresIn);
          const written = message({ domain, statement: text, chainId, nonce, expirationTime, requestId });
          expect(checkSiweMessage(written, policy, NOW)).toEqual({
            ok: true,
            claims: { address: address.toLowerCase(), chainId, nonce, expirationTime: expirationTime ?? null },
          });
        },
      ),
    );
  });
});

describe('assertSessionOwns', () => {
  const session = { id: 'id', address: address.toLowerCase(), expiresAt: NOW.toISOString() };

  it('passes for the session address in any case', () => {
    expect(() => assertSessionOwns(session, address)).not.toThrow();
    expect(() => assertSessionOwns(session, address.toLowerCase())).not.toThrow();
  });

  it('throws 403 {"error":"Session does not match address"} for another address', () => {
    const other = privateKeyToAccount(generatePrivateKey()).address;
    expect.assertions(2);
    try {
      assertSessionOwns(session, other);
    } catch (err) {
      expect((err as { getStatus(): number }).getStatus()).toBe(403);
      expect((err as { body: unknown }).body).toEqual({ error: 'Session does not match address' });
    }
  });
});
