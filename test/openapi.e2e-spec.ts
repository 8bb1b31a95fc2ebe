import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The OpenAPI document at /docs-json lists every route the app serves (as Fastify itself knows
 * them) and nothing it does not serve; /docs serves the UI.
 */

interface Route {
  method: string;
  path: string;
}

/**
 * Reads Fastify's own route table (`printRoutes` with full segments, one node a line, children
 * indented by four columns) into method + path pairs.
 */
function fastifyRoutes(tree: string): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2];
    stack.push(path);
    for (const method of match[3].split(', ')) routes.push({ method, path });
  }
  return routes;
}

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('OpenAPI', () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>; components: { schemas: Record<string, { properties?: object }> } };
  let served: Route[];

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await request(t.url).get('/docs-json').expect(200)).body;
    const fastify = t.app.getHttpAdapter().getInstance();
    served = fastifyRoutes(fastify.printRoutes({ commonPrefix: false }))
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
      .filter((r) => r.path !== '/docs' && !r.path.startsWith('/docs/') && !r.path.startsWith('/docs-'));
    // The parser read real routes: Fastify confirms each one.
    for (const route of served) {
      expect({ route, known: fastify.hasRoute({ method: route.method as 'GET', url: route.path }) }).toEqual({ route, known: true });
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the route table was read (the contract routes are all there)', () => {
    const names = served.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /api/profile',
        'PATCH /api/profile',
        'GET /api/profile/:address',
        'GET /api/profiles',
        'GET /api/nicknames/check',
        'GET /api/nicknames/check/:nickname',
        'GET /api/nicknames/reverse/:address',
        'GET /api/nicknames/resolve/:nickname',
        'GET /api/health',
        'POST /api/db/migrate',
      ]),
    );
  });

  it('every route the app serves is in /docs-json, with its method and documented responses', () => {
    const missing = served.filter((r) => !doc.paths[toOpenApiPath(r.path)]?.[r.method.toLowerCase()]);
    expect(missing).toEqual([]);
    for (const route of served) {
      const responses = doc.paths[toOpenApiPath(route.path)][route.method.toLowerCase()].responses ?? {};
      expect({ route, documented: Object.keys(responses).length > 0 }).toEqual({ route, documented: true });
    }
  });

  it('every operation in /docs-json is a route the app serves', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => HTTP_METHODS.includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(served.map((r) => `${r.method} ${toOpenApiPath(r.path)}`).sort());
  });

  it('the profile schema has exactly the contract fields', () => {
    expect(Object.keys(doc.components.schemas.ProfileResponse.properties ?? {}).sort()).toEqual([
      'address', 'avatar', 'canChangeNickname', 'createdAt', 'lastNicknameChange', 'nickname', 'nicknameChangeCount',
      'nicknameNormalized', 'updatedAt',
    ]);
  });

  it('/docs serves the Swagger UI as HTML', async () => {
    const res = await request(t.url).get('/docs').redirects(1).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger-ui/i);
  });
});

describe('OpenAPI with DOCS_ENABLED=false (the production default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { DOCS_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(['/docs', '/docs/', '/docs-json', '/docs/swagger-ui-init.js'])('%s is not served: a JSON 404', async (path) => {
    const res = await request(t.url).get(path).expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ error: 'Not found' });
  });

  it('the API itself is served as usual', async () => {
    await request(t.url).get('/api/health').expect(200);
  });
});
