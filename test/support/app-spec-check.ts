import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { Route, routeMatches } from './app-routes';

/** The subset of DigitalOcean's app spec the checks read (field names as in the app spec reference). */
export interface EnvVar {
  key: string;
  value?: unknown;
  scope?: string;
  type?: string;
}
export interface Component {
  name: string;
  kind?: string;
  github?: { repo?: string };
  build_command?: string;
  run_command?: string;
  environment_slug?: string;
  envs?: EnvVar[];
  health_check?: { http_path?: string };
  liveness_health_check?: { http_path?: string };
}
export interface IngressRule {
  match?: { path?: { prefix?: string } };
  component?: { name?: string; preserve_path_prefix?: unknown; rewrite?: string };
}
export interface AppSpec {
  domains?: { domain: string; type?: string }[];
  ingress?: { rules?: IngressRule[] };
  envs?: EnvVar[];
  services?: Component[];
  jobs?: Component[];
  workers?: Component[];
  databases?: { name: string; engine?: string }[];
}
export interface PackageJson {
  scripts?: Record<string, string>;
  engines?: { node?: string };
}

/** The service that runs this app: the ingress sends the frontend's /api calls to it. */
export const API_SERVICE = 'api';
/** Variables that are secrets without saying so in their name (a JSON-RPC URL may carry an API key). */
const SECRET_KEYS = new Set(['CHAIN_RPC_URL']);
const isSecretKey = (key: string) => /SECRET/.test(key) || SECRET_KEYS.has(key);

/** The PRE_DEPLOY job's command: the compiled migration CLI (devDependencies are pruned in the image). */
export const MIGRATE_COMMAND = 'node dist/src/cli/migrate.js up';
/** The Node.js major production runs; App Platform's buildpack picks the newest version `engines` allows. */
export const PRODUCTION_NODE_MAJOR = 24;

const ROOT = join(__dirname, '..', '..');
const defaultSourceExists = (path: string) => existsSync(join(ROOT, path));

interface Binding {
  component: string;
  /** A connection pool of the database (`${db.pool.DATABASE_URL}`), or null for the direct connection. */
  pool: string | null;
  variable: string;
}

/** `${db.DATABASE_URL}` → {component: db, variable}; `${db.pool.DATABASE_URL}` adds the pool. App-wide `${APP_URL}` has no dot. */
function bindingsIn(value: string): Binding[] {
  return [...value.matchAll(/\$\{([^}]+)\}/g)]
    .map((m) => m[1].split('.'))
    .filter((parts) => parts.length > 1 && parts[0] !== '_self')
    .map((parts) => ({ component: parts[0], pool: parts.length > 2 ? parts[1] : null, variable: parts[parts.length - 1] }));
}

/** The only binding a value consists of, or null when it is a literal (or a mix). */
function soleBinding(value: unknown): Binding | null {
  if (typeof value !== 'string' || !/^\$\{[^}]+\}$/.test(value)) return null;
  return bindingsIn(value)[0] ?? null;
}

const STAND_IN_SECRET = 'stand-in-secret-for-the-config-check-0123456789';
const STAND_IN_URL = 'postgresql://villa:stand-in@db.example.invalid:25060/villa?sslmode=require';
const STAND_IN_PEM = '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----';

const STAND_IN_RPC_URL = 'https://rpc.example.invalid/v2/stand-in-key';

/** What a variable holds at run time, with App Platform's bindings and stored secrets replaced by stand-ins. */
function runtimeValue(v: EnvVar): string {
  if (v.type === 'SECRET') return v.key === 'CHAIN_RPC_URL' ? STAND_IN_RPC_URL : STAND_IN_SECRET;
  return String(v.value ?? '').replace(/\$\{([^}]+)\}/g, (_m, ref: string) =>
    ref.endsWith('.DATABASE_URL') ? STAND_IN_URL : ref.endsWith('.CA_CERT') ? STAND_IN_PEM : 'stand-in',
  );
}

/**
 * Minimal semver range test for `engines.node`: comparators (`>=24.9`, `<25`, `24.x`, `24`)
 * separated by spaces, alternatives by `||`.
 */
export function satisfies(version: string, range: string): boolean {
  const v = version.split('.').map(Number);
  const compare = (parts: number[]) => {
    for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== (parts[i] ?? 0)) return (v[i] ?? 0) - (parts[i] ?? 0);
    return 0;
  };
  return range.split('||').some((set) =>
    set.trim().split(/\s+/).every((comparator) => {
      const m = /^(>=|<=|>|<|=)?v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(comparator);
      if (!m) return false;
      const [, op = '=', ...rest] = m;
      const parts = rest.filter((p) => p !== undefined && p !== 'x' && p !== '*').map(Number);
      const c = compare(parts);
      if (op === '>=') return c >= 0;
      if (op === '>') return c > 0;
      if (op === '<') return c < 0;
      if (op === '<=') return c <= 0;
      return parts.every((p, i) => v[i] === p); // `24`, `24.x`: the given parts must match
    }),
  );
}

/** `npm run X` must name a script of package.json (whose own commands are checked too); `node dist/….js` a source that compiles to it. */
function commandProblems(where: string, command: string, pkg: PackageJson, sourceExists: (path: string) => boolean, seen = new Set<string>()): string[] {
  const problems: string[] = [];
  for (const segment of command.split(/&&|\|\||;/)) {
    const [program, ...args] = segment.trim().split(/\s+/);
    const [first, second] = program === 'node' ? args.filter((arg) => !arg.startsWith('-')) : args;
    if (program === 'npm') {
      const script = first === 'run' || first === 'run-script' ? second : ['start', 'test'].includes(first) ? first : null;
      if (script === null) continue; // npm ci, npm install: no script involved
      const body = pkg.scripts?.[script];
      if (body === undefined) problems.push(`${where}: "npm run ${script}" but package.json has no script "${script}"`);
      else if (!seen.has(script)) problems.push(...commandProblems(`${where} → ${script}`, body, pkg, sourceExists, new Set([...seen, script])));
    } else if (program === 'node' && first) {
      // tsc compiles <path>.ts to dist/<path>.js (src/ and migrations/ sit side by side under dist/).
      const source = first.startsWith('dist/') ? first.slice('dist/'.length).replace(/\.js$/, '.ts') : first;
      if (!sourceExists(source)) problems.push(`${where}: "node ${first}" but ${source} does not exist`);
    }
  }
  return problems;
}

/**
 * Everything that must hold for the spec to deploy this app, as one problem per line (empty: none).
 * `routes` are the app's routes (see appRoutes); `sourceExists` answers for a repository-relative path.
 */
export function checkAppSpec(spec: AppSpec, pkg: PackageJson, routes: Route[], sourceExists = defaultSourceExists): string[] {
  const problems: string[] = [];
  const databases = new Set((spec.databases ?? []).map((d) => d.name));
  const components = new Set([...(spec.services ?? []), ...(spec.jobs ?? []), ...(spec.workers ?? [])].map((c) => c.name));
  if (!(spec.databases ?? []).some((d) => d.engine === 'PG')) problems.push('databases: no PostgreSQL (engine: PG) database component');

  // Every declared variable, where it is declared.
  const declared: [string, EnvVar][] = [
    ...(spec.envs ?? []).map((v): [string, EnvVar] => ['envs', v]),
    ...(['services', 'jobs', 'workers'] as const).flatMap((kind) =>
      (spec[kind] ?? []).flatMap((c) => (c.envs ?? []).map((v): [string, EnvVar] => [`${kind}.${c.name}`, v])),
    ),
  ];
  for (const [where, v] of declared) {
    if (v.value !== undefined && typeof v.value !== 'string') problems.push(`${where}: ${v.key} must be a string (quote it in YAML)`);
    if (isSecretKey(v.key)) {
      if (v.type !== 'SECRET') problems.push(`${where}: ${v.key} is not type SECRET`);
      // An encrypted value (EV[…]) as App Platform returns it is not plaintext.
      if (v.value !== undefined && v.value !== '' && !/^EV\[/.test(String(v.value))) problems.push(`${where}: ${v.key} has a plaintext value in the spec`);
    }
    for (const b of bindingsIn(String(v.value ?? ''))) {
      if (databases.has(b.component)) {
        if (v.scope !== 'RUN_TIME') problems.push(`${where}: ${v.key} binds \${${b.component}…} but its scope is ${v.scope ?? 'RUN_AND_BUILD_TIME (the default)'}, not RUN_TIME: database bindings exist only at run time`);
      } else if (!components.has(b.component)) {
        problems.push(`${where}: ${v.key} binds \${${[b.component, b.pool, b.variable].filter(Boolean).join('.')}} but no database component named ${b.component} is declared`);
      }
    }
  }

  // This app's components are the api service and what is built from its repository; others (the
  // frontend, on the same domain) only share the app-level variables and the ingress.
  const api = (spec.services ?? []).find((c) => c.name === API_SERVICE);
  if (!api) problems.push(`services: no service named ${API_SERVICE} (the one that runs this app)`);
  const ours = (c: Component) => c === api || (api?.github?.repo !== undefined && c.github?.repo === api.github.repo);
  const runsApp: [string, Component][] = [
    ...(spec.services ?? []).filter(ours).map((c): [string, Component] => [`services.${c.name}`, c]),
    ...(spec.jobs ?? []).filter(ours).map((c): [string, Component] => [`jobs.${c.name}`, c]),
  ];
  const others = [...(spec.services ?? []), ...(spec.workers ?? []), ...(spec.jobs ?? [])].filter((c) => !ours(c));
  if (others.length > 0) {
    for (const v of (spec.envs ?? []).filter((v) => isSecretKey(v.key))) {
      problems.push(`envs: ${v.key} is app-wide, so ${others.map((c) => c.name).join(', ')} (not this app) ${others.length === 1 ? 'gets' : 'get'} it too: declare it on this app's components`);
    }
  }
  for (const [where, component] of runsApp) {
    const env = new Map<string, EnvVar>([...(spec.envs ?? []), ...(component.envs ?? [])].map((v) => [v.key, v]));
    const url = env.get('DATABASE_URL');
    const urlBinding = soleBinding(url?.value);
    if (!url) problems.push(`${where}: DATABASE_URL is not set`);
    else if (!urlBinding || urlBinding.variable !== 'DATABASE_URL') problems.push(`${where}: DATABASE_URL is a literal, not a binding to the database component such as \${villa-db.DATABASE_URL}`);
    const ca = soleBinding(env.get('DATABASE_CA_CERT')?.value);
    if (urlBinding && (!ca || ca.variable !== 'CA_CERT' || ca.component !== urlBinding.component)) {
      problems.push(`${where}: DATABASE_CA_CERT is not bound to \${${urlBinding.component}.CA_CERT}: TLS to the managed database cannot be verified without it`);
    }
    // PgBouncer refuses `statement_timeout` in the startup packet, which pg sends when the timeout is set.
    if (urlBinding?.pool && env.get('DATABASE_STATEMENT_TIMEOUT_MS')?.value !== '0') {
      problems.push(`${where}: DATABASE_URL goes through the pool ${urlBinding.pool}, which refuses statement_timeout: set DATABASE_STATEMENT_TIMEOUT_MS to "0"`);
    }
    if (env.get('NODE_ENV')?.value !== 'production') problems.push(`${where}: NODE_ENV is not production`);
    try {
      loadConfig(Object.fromEntries([...env.values()].map((v) => [v.key, runtimeValue(v)])));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems.map((p) => `${where}: the app's config check fails: ${p}`));
    }
    for (const field of ['build_command', 'run_command'] as const) {
      const command = component[field];
      if (command) problems.push(...commandProblems(`${where}.${field}`, command, pkg, sourceExists));
    }
  }

  for (const service of (spec.services ?? []).filter(ours)) {
    for (const check of ['health_check', 'liveness_health_check'] as const) {
      const path = service[check]?.http_path;
      if (check === 'health_check' && !path) problems.push(`services.${service.name}: no health_check.http_path`);
      if (path && !routes.some((r) => routeMatches(r, 'GET', path))) problems.push(`services.${service.name}: ${check}.http_path ${path} is not a GET route of the app`);
    }
  }

  if (api) problems.push(...sameOriginProblems(spec, api, components, routes));

  const migrate = (spec.jobs ?? []).find((j) => j.kind === 'PRE_DEPLOY' && j.run_command === MIGRATE_COMMAND);
  if (!migrate) problems.push(`jobs: no PRE_DEPLOY job runs the migrations ("${MIGRATE_COMMAND}")`);
  else {
    const env = new Map([...(spec.envs ?? []), ...(migrate.envs ?? [])].map((v) => [v.key, v]));
    const target = soleBinding((env.get('DATABASE_MIGRATION_URL') ?? env.get('DATABASE_URL'))?.value);
    if (target?.pool) problems.push(`jobs.${migrate.name}: migrations connect through the pool ${target.pool}; they need the direct connection \${${target.component}.DATABASE_URL}`);
  }

  const engines = pkg.engines?.node ?? '*';
  const newer = [25, 26, 27, 28, 29, 30, 31, 32].find((major) => satisfies(`${major}.0.0`, engines));
  if (!satisfies(`${PRODUCTION_NODE_MAJOR}.99.0`, engines) || newer !== undefined) {
    problems.push(`package.json engines.node "${engines}" must let the buildpack pick Node ${PRODUCTION_NODE_MAJOR} and nothing newer${newer ? ` (it allows ${newer})` : ''}`);
  }
  return problems;
}

/** The ingress rule App Platform picks for `path`: the longest prefix that matches it at a segment boundary. */
function ingressRuleFor(rules: IngressRule[], path: string): IngressRule | undefined {
  const matching = rules.filter((r) => {
    const prefix = (r.match?.path?.prefix ?? '/').replace(/\/$/, '');
    return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
  });
  return matching.sort((a, b) => (b.match?.path?.prefix ?? '/').length - (a.match?.path?.prefix ?? '/').length)[0];
}

/**
 * The frontend calls `/api/…` on its own origin (its CSP allows no other host): every /api route of
 * the app must reach the api service through the ingress with its path intact, and every domain the
 * app serves must be a SIWE domain, or sign-ins and cookie writes from it are refused.
 */
function sameOriginProblems(spec: AppSpec, api: Component, components: Set<string>, routes: Route[]): string[] {
  const problems: string[] = [];
  const rules = spec.ingress?.rules ?? [];
  for (const rule of rules) {
    const target = rule.component?.name;
    if (target !== undefined && !components.has(target)) problems.push(`ingress: ${rule.match?.path?.prefix ?? '/'} routes to ${target}, which is not a component of the app`);
  }
  const apiRoutes = [...new Set(routes.filter((r) => r.path.startsWith('/api/')).map((r) => r.path.replace(/:[^/]+/g, 'x')))];
  const routedElsewhere = new Set<string>();
  const trimmed = new Set<string>();
  for (const path of apiRoutes) {
    const rule = ingressRuleFor(rules, path);
    if (rule?.component?.name !== api.name) routedElsewhere.add(rule?.component?.name ?? 'nothing');
    else if (rule.component.preserve_path_prefix !== true && (rule.match?.path?.prefix ?? '/') !== '/') trimmed.add(rule.match!.path!.prefix!);
  }
  if (rules.length === 0) problems.push(`ingress: no rules: the frontend's /api calls must reach services.${api.name} on the frontend's own domain (docs/deploy.md)`);
  else {
    for (const name of routedElsewhere) problems.push(`ingress: /api routes of the app go to ${name}, not to services.${api.name}`);
    for (const prefix of trimmed) problems.push(`ingress: ${prefix} reaches services.${api.name} with the prefix trimmed: set component.preserve_path_prefix: true (the app's routes start with /api)`);
  }

  const env = new Map([...(spec.envs ?? []), ...(api.envs ?? [])].map((v) => [v.key, v]));
  const siweDomains = new Set(String(env.get('SIWE_DOMAINS')?.value ?? '').split(',').map((d) => d.trim().toLowerCase()).filter(Boolean));
  if ((spec.domains ?? []).length === 0) problems.push('domains: none: the app needs the frontend\'s domain, where /api reaches this service');
  for (const { domain } of spec.domains ?? []) {
    if (!siweDomains.has(domain.toLowerCase())) problems.push(`domains: ${domain} is not in SIWE_DOMAINS: sign-ins from it, and cookie writes from its pages, would be refused`);
  }
  return problems;
}
