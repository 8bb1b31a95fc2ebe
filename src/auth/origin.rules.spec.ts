import { isAllowedOrigin, OriginPolicy } from './origin.rules';

const development: OriginPolicy = {
  hosts: new Set(['villa.cash', 'beta.villa.cash', 'localhost:3000', '127.0.0.1:3000', '[::1]:3000']),
  origins: new Set(['https://partner.example']),
  loopbackHttp: true,
};
const production: OriginPolicy = { ...development, loopbackHttp: false };

describe('isAllowedOrigin (cookie-authenticated writes)', () => {
  it.each([
    'https://villa.cash',
    'https://beta.villa.cash',
    'https://partner.example', // CORS_ORIGINS, as configured
    'http://localhost:3000',
    'http://127.0.0.1:3000',
    'http://[::1]:3000',
  ])('allows %s outside production', (origin) => {
    expect(isAllowedOrigin(origin, development)).toBe(true);
  });

  it.each([
    [undefined, 'no Origin at all'],
    ['', 'an empty Origin'],
    ['null', 'the opaque origin'],
    ['https://evil.example', 'another host'],
    ['https://villa.cash.evil.example', 'a host that only starts like an allowed one'],
    ['https://evil.villa.cash', 'a sibling subdomain not listed'],
    ['http://villa.cash', 'plain http on a public host'],
    ['https://villa.cash:8443', 'another port'],
    ['http://localhost:3001', 'a loopback host on a port not listed'],
    ['https://villa.cash/', 'a trailing slash (no browser sends one)'],
    ['https://user@villa.cash', 'userinfo'],
    ['chrome-extension://abcdef', 'another scheme'],
  ])('refuses %j: %s', (origin, _why) => {
    expect(isAllowedOrigin(origin, development)).toBe(false);
  });

  it('refuses loopback http in production, and still allows https', () => {
    expect(isAllowedOrigin('http://localhost:3000', production)).toBe(false);
    expect(isAllowedOrigin('https://localhost:3000', production)).toBe(true);
    expect(isAllowedOrigin('https://villa.cash', production)).toBe(true);
  });
});
