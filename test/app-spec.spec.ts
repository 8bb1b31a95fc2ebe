import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SPEC_VARIANTS } from './fixtures/app-spec-variants';
import { appRoutes, Route } from './support/app-routes';
import { AppSpec, checkAppSpec, PackageJson, satisfies } from './support/app-spec-check';

const ROOT = join(__dirname, '..');
const readSpec = (): AppSpec => parse(readFileSync(join(ROOT, '.do', 'app.yaml'), 'utf8')) as AppSpec;
const readPkg = (): PackageJson => JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

describe('.do/app.yaml (DigitalOcean App Platform spec)', () => {
  let routes: Route[];

  beforeAll(() => {
    routes = appRoutes();
  });

  it("reads the app's routes from the controllers' Nest metadata", () => {
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'GET', path: '/health' },
        { method: 'GET', path: '/health/ready' },
        { method: 'GET', path: '/api/health' },
        { method: 'GET', path: '/api/profile/:address' },
        { method: 'POST', path: '/api/profile' },
        { method: 'POST', path: '/api/db/migrate' },
      ]),
    );
  });

  it('deploys this app as it is: no problems', () => {
    expect(checkAppSpec(readSpec(), readPkg(), routes)).toEqual([]);
  });

  it('binds the database and keeps the shape the issue asks for', () => {
    const spec = readSpec();
    const [api] = spec.services!;
    const [db] = spec.databases!;
    expect(db).toMatchObject({ engine: 'PG', production: true });
    expect(api).toMatchObject({ environment_slug: 'node-js', run_command: 'npm run start:prod', http_port: 3000, instance_count: 2, health_check: { http_path: '/health/ready' } });
    expect(api.envs).toEqual(
      expect.arrayContaining([
        { key: 'DATABASE_URL', scope: 'RUN_TIME', value: `\${${db.name}.DATABASE_URL}` },
        { key: 'DATABASE_CA_CERT', scope: 'RUN_TIME', value: `\${${db.name}.CA_CERT}` },
      ]),
    );
    const job = spec.jobs!.find((j) => j.kind === 'PRE_DEPLOY')!;
    expect(job).toMatchObject({ run_command: 'node dist/src/cli/migrate.js up' });
    // On this app's components only: the frontend's component shares the app-level variables.
    for (const key of ['MIGRATE_SECRET', 'SESSION_SECRET', 'CHAIN_RPC_URL']) {
      for (const component of [api, job]) expect({ component: component.name, vars: component.envs }).toEqual({ component: component.name, vars: expect.arrayContaining([{ key, scope: 'RUN_TIME', type: 'SECRET' }]) });
      expect(spec.envs!.map((v) => v.key)).not.toContain(key);
    }
  });

  it('serves the frontend and this service on one domain: /api to api with its path kept, the rest to the frontend', () => {
    const spec = readSpec();
    expect(spec.domains).toEqual([{ domain: 'villa.cash', type: 'PRIMARY' }]);
    expect(spec.ingress!.rules).toEqual([
      { match: { path: { prefix: '/api' } }, component: { name: 'api', preserve_path_prefix: true } },
      { match: { path: { prefix: '/' } }, component: { name: 'web' } },
    ]);
    expect(spec.services!.find((c) => c.name === 'web')).toMatchObject({ github: { repo: 'rockfridrich/villa' }, http_port: 3000 });
  });

  it('lists every host the frontend is served on in SIWE_DOMAINS (../shared/FRONTEND.md)', () => {
    const domains = String(readSpec().envs!.find((v) => v.key === 'SIWE_DOMAINS')!.value).split(',');
    expect(domains).toEqual(['villa.cash', 'beta.villa.cash', 'dev-1.villa.cash', 'dev-2.villa.cash', 'dev-3.villa.cash']);
  });

  describe('fails on each broken variant with its own problem', () => {
    it.each(SPEC_VARIANTS.map((v) => [v.name, v] as const))('%s', (_name, variant) => {
      const spec = readSpec();
      const pkg = readPkg();
      variant.spec?.(spec);
      variant.pkg?.(pkg);
      expect(checkAppSpec(spec, pkg, routes)).toEqual(variant.problems);
    });
  });

  describe('satisfies (engines.node ranges)', () => {
    it.each([
      ['24.9.0', '>=24.9 <25', true],
      ['24.22.3', '>=24.9 <25', true],
      ['24.8.1', '>=24.9 <25', false],
      ['25.0.0', '>=24.9 <25', false],
      ['24.1.0', '24.x', true],
      ['26.0.0', '24.x || 26', true],
      ['25.7.0', '24.x || 26', false],
      ['24.0.0', '^24', false], // unsupported syntax counts as not satisfied: the check then reports it
    ])('%s in "%s" → %s', (version, range, expected) => {
      expect(satisfies(version, range)).toBe(expected);
    });
  });
});
