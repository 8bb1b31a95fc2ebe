/**
 * `npm run smoke -- <base-url>`: the read-only contract checks, over HTTP only, against any running
 * instance (SMOKE_BASE_URL). No global setup: the smoke run never needs database access.
 */
module.exports = {
  ...require('./jest.shared'),
  rootDir: '..',
  testMatch: ['<rootDir>/test/smoke/**/*.smoke-spec.ts'],
  testTimeout: 30_000,
};
