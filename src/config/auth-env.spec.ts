import { ConfigError, loadConfig } from './app-config';

const SESSION_SECRET = 'a-session-secret-of-sufficient-length-Narwhal-42';
const SHORT_SECRET = 'short-Session-Secret-Ibis';
const RPC_KEY = 'rpc-api-key-Pangolin-913';

const production = (overrides: Record<string, string | undefined> = {}) => ({
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://villa:pw@db.example.internal:25060/villa?sslmode=require',
  MIGRATE_SECRET: 'a-good-migrate-secret-0123456789-Okapi',
  SESSION_SECRET,
  SIWE_DOMAINS: 'app.villa.cash',
  CHAIN_RPC_URL: `https://base-mainnet.example/v2/${RPC_KEY}`,
  ...overrides,
});

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the environment to be rejected');
}

describe('loadConfig: Sign-In with Ethereum settings', () => {
  it('defaults outside production: no secret (random per-process key), local domains, Base chains, no RPC', () => {
    expect(loadConfig({}).auth).toEqual({
      sessionSecret: null,
      sessionTtlSeconds: 604_800,
      siweDomains: ['localhost:3000', 'localhost', '127.0.0.1:3000'],
      siweChainIds: [8453, 84532],
      chainRpcUrl: null,
      eoaOnly: false,
      chainRpcTimeoutMs: 5000,
      clockSkewSeconds: 60,
    });
  });

  it('parses every variable', () => {
    const auth = loadConfig({
      SESSION_SECRET,
      SESSION_TTL_SECONDS: '3600',
      SIWE_DOMAINS: ' App.Villa.cash , localhost:5173 ',
      SIWE_CHAIN_IDS: '8453',
      CHAIN_RPC_URL: `https://base-mainnet.example/v2/${RPC_KEY}`,
      CHAIN_RPC_TIMEOUT_MS: '2500',
      SIWE_CLOCK_SKEW_SECONDS: '0',
    }).auth;
    expect(auth).toEqual({
      sessionSecret: SESSION_SECRET,
      sessionTtlSeconds: 3600,
      siweDomains: ['app.villa.cash', 'localhost:5173'],
      siweChainIds: [8453],
      chainRpcUrl: `https://base-mainnet.example/v2/${RPC_KEY}`,
      eoaOnly: false,
      chainRpcTimeoutMs: 2500,
      clockSkewSeconds: 0,
    });
  });

  it('accepts a complete production environment', () => {
    expect(loadConfig(production()).auth).toMatchObject({ sessionSecret: SESSION_SECRET, siweDomains: ['app.villa.cash'] });
  });

  it('production requires SESSION_SECRET and SIWE_DOMAINS (no development defaults there)', () => {
    expect(problemsOf(production({ SESSION_SECRET: undefined, SIWE_DOMAINS: undefined }))).toEqual([
      'SESSION_SECRET is required',
      'SIWE_DOMAINS is required',
    ]);
  });

  describe('CHAIN_RPC_URL in production: passkey smart accounts must be able to sign in', () => {
    it.each([
      ['missing', undefined, 'CHAIN_RPC_URL is required in production (passkey smart-account sign-in); set SIWE_EOA_ONLY=true to allow EOAs only'],
      ['blank', '  ', 'CHAIN_RPC_URL is required in production (passkey smart-account sign-in); set SIWE_EOA_ONLY=true to allow EOAs only'],
      ['not http(s)', `wss://rpc.example/${RPC_KEY}`, 'CHAIN_RPC_URL must be an http:// or https:// URL'],
    ])('%s → one line naming it, never its value', (_case, value, problem) => {
      const problems = problemsOf(production({ CHAIN_RPC_URL: value }));
      expect(problems).toEqual([problem]);
      expect(problems.join('\n')).not.toContain(RPC_KEY);
    });

    it('SIWE_EOA_ONLY=true lifts the requirement on purpose', () => {
      expect(loadConfig(production({ CHAIN_RPC_URL: undefined, SIWE_EOA_ONLY: 'true' })).auth).toMatchObject({ chainRpcUrl: null, eoaOnly: true });
    });

    it('SIWE_EOA_ONLY=true beside a CHAIN_RPC_URL is a contradiction, anywhere', () => {
      const problem = 'SIWE_EOA_ONLY=true says only EOAs may sign in, but CHAIN_RPC_URL is set: unset one of them';
      expect(problemsOf(production({ SIWE_EOA_ONLY: 'true' }))).toEqual([problem]);
      expect(problemsOf({ SIWE_EOA_ONLY: 'yes', CHAIN_RPC_URL: 'http://127.0.0.1:8545' })).toEqual([problem]);
    });

    it('outside production it stays optional; SIWE_EOA_ONLY must be a boolean', () => {
      expect(loadConfig({}).auth.chainRpcUrl).toBeNull();
      expect(problemsOf({ SIWE_EOA_ONLY: 'maybe' })).toEqual(['SIWE_EOA_ONLY must be true or false']);
    });
  });

  it('refuses a short SESSION_SECRET anywhere, naming the variable and never the value', () => {
    for (const env of [{ SESSION_SECRET: SHORT_SECRET }, production({ SESSION_SECRET: SHORT_SECRET })]) {
      const problems = problemsOf(env);
      expect(problems).toEqual(['SESSION_SECRET must be at least 32 characters']);
      expect(problems.join('\n')).not.toContain(SHORT_SECRET);
    }
  });

  it.each([
    ['SIWE_DOMAINS', 'app.villa.cash, not a domain', 'SIWE_DOMAINS must be a comma-separated list of host[:port] entries such as app.villa.cash'],
    ['SIWE_DOMAINS', 'https://app.villa.cash', 'SIWE_DOMAINS must be a comma-separated list of host[:port] entries such as app.villa.cash'],
    ['SIWE_CHAIN_IDS', '8453,base', 'SIWE_CHAIN_IDS must be a comma-separated list of integer chain ids'],
    ['SIWE_CHAIN_IDS', '0', 'SIWE_CHAIN_IDS must be a comma-separated list of integer chain ids'],
    ['SIWE_CHAIN_IDS', ',', 'SIWE_CHAIN_IDS must not be empty'],
    ['CHAIN_RPC_URL', `wss://rpc.example/${RPC_KEY}`, 'CHAIN_RPC_URL must be an http:// or https:// URL'],
    ['SESSION_TTL_SECONDS', '7d', 'SESSION_TTL_SECONDS must be an integer'],
    ['CHAIN_RPC_TIMEOUT_MS', '5s', 'CHAIN_RPC_TIMEOUT_MS must be an integer'],
    ['SIWE_CLOCK_SKEW_SECONDS', '-1', 'SIWE_CLOCK_SKEW_SECONDS must not be less than 0'],
  ])('%s=%s is refused', (name, value, problem) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toEqual([problem]);
    expect(problems.join('\n')).not.toContain(RPC_KEY);
  });
});
