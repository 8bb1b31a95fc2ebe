/** Jest settings both configs share: SWC for TypeScript, and for the few ESM-only dependencies. */
const swc = ['@swc/jest', require('./swc.config')];
// ESM-only packages reached through CommonJS (content-disposition, via @fastify/static; @nestjs/config
// 12; cookie, which @fastify/cookie loads with import()): Node's require(esm) and import() load them,
// Jest's module system does not, so they and the importer are compiled to CommonJS too.
const ESM_ONLY = ['content-disposition', '@nestjs/config', '@fastify/cookie', 'cookie'];

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
};
