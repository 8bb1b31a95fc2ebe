/** e2e suites: the real app over HTTP against a real PostgreSQL; one throw-away database per suite. */
module.exports = {
  ...require('./jest.shared'),
  rootDir: '..',
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
};
