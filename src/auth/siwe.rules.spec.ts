import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage, type SiweMessage } from 'viem/siwe';
import { assertSessionOwns } from './authenticated-session';
import { checkSiweMessage, SiwePolicy } from './siwe.rules';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const policy: SiwePolicy = { domains: new Set(['app.villa.cash', 'localhost:3000']), chainIds: new Set([8453, 84532]), skewMs: 60_000 };
const address = privateKeyToAccount(generatePrivateKey()).address;

const message = (overrides: Partial<SiweMessage> = {}) =>
  createSiweMessage({
    address,
    domain: 'app.villa.cash',
    uri: 'https://app.villa.cash',
    version: '1',
    chainId: 8453,
    nonce: 'abcdef0123456789',
    issuedAt: NOW,
    ...overrides,
  });

const reasonOf = (text: string, now = NOW) => {
  const check = checkSiweMessage(text, policy, now);
  return check.ok ? 'ok' : check.reason;
};

describe('checkSiweMessage', () => {
  it('accepts a complete message and returns the claims, the address lowercased', () => {
    const expirationTime = new Date(NOW.getTime() + 3_600_000);
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
    ['plain text', 'sign me in'],
    ['an empty string', ''],
    ['no nonce line', message().replace(/\nNonce: .*/, '')],
    ['a nonce shorter than 8 characters', message().replace(/Nonce: \w+/, 'Nonce: abc')],
    ['a nonce longer than the column', message().replace(/Nonce: \w+/, `Nonce: ${'a'.repeat(65)}`)],
    ['version 2', message().replace('Version: 1', 'Version: 2')],
    ['an issuedAt that is not RFC 3339', message().replace(/Issued At: .*/, 'Issued At: yesterday')],
    ['an expirationTime that is not a date', `${message()}`.replace(/(Issued At: .*)/, '$1\nExpiration Time: soon')],
  ])('refuses %s as malformed', (_case, text) => {
    expect(reasonOf(text)).toBe('malformed');
  });

  it('matches the domain case-insensitively, with its port, and refuses any other', () => {
    expect(reasonOf(message({ domain: 'App.Villa.Cash' }))).toBe('ok');
    expect(reasonOf(message({ domain: 'localhost:3000' }))).toBe('ok');
    expect(reasonOf(message({ domain: 'localhost:3001' }))).toBe('domain');
    expect(reasonOf(message({ domain: 'app.villa.cash.evil.example' }))).toBe('domain');
  });

  it('accepts only the configured chains', () => {
    expect(reasonOf(message({ chainId: 84532 }))).toBe('ok');
    expect(reasonOf(message({ chainId: 1 }))).toBe('chain');
  });

  it('tolerates issuedAt up to the skew ahead, and no further', () => {
    expect(reasonOf(message({ issuedAt: new Date(NOW.getTime() + 60_000) }))).toBe('ok');
    expect(reasonOf(message({ issuedAt: new Date(NOW.getTime() + 60_001) }))).toBe('issuedInFuture');
  });

  it('refuses a message at or after its expirationTime, without skew', () => {
    const expirationTime = new Date(NOW.getTime() + 1000);
    expect(reasonOf(message({ expirationTime }), new Date(NOW.getTime() + 999))).toBe('ok');
    expect(reasonOf(message({ expirationTime }), expirationTime)).toBe('expired');
  });

  it('honours notBefore, within the skew', () => {
    expect(reasonOf(message({ notBefore: new Date(NOW.getTime() + 60_000) }))).toBe('ok');
    expect(reasonOf(message({ notBefore: new Date(NOW.getTime() + 60_001) }))).toBe('notYetValid');
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
