/** Unit tests: `*.spec.ts` beside the code (and the spec-file checks under test/). */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', require('./test/swc.config')] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
