/** Jest settings both configs share: SWC for TypeScript, and for the few ESM-only dependencies. */
const swc = ['@swc/jest', require('./swc.config')];
// ESM-only packages reached through CommonJS (content-disposition, via @fastify/static; @nestjs/config
// 12): Node 20.19's require(esm) loads them, Jest's module system does not, so they are compiled to
// CommonJS too.
const ESM_ONLY = ['content-disposition', '@nestjs/config'];

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
};
