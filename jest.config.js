/** Unit tests: `*.spec.ts` beside the code (and the spec-file checks under test/). */
module.exports = {
  ...require('./test/jest.shared'),
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
};
