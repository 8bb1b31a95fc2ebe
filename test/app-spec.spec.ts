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
    for (const key of ['MIGRATE_SECRET', 'SESSION_SECRET']) expect(spec.envs).toContainEqual({ key, scope: 'RUN_TIME', type: 'SECRET' });
    expect(spec.jobs).toContainEqual(expect.objectContaining({ kind: 'PRE_DEPLOY', run_command: 'node dist/src/cli/migrate.js up' }));
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
