#!/usr/bin/env node
// Serves throw-away in-memory PGlite databases to the e2e suites when no PostgreSQL server answers.
// It runs as its own process because PGlite loads its WASM with a dynamic import, which Jest's
// module sandbox does not allow. Control protocol, on loopback only:
//   POST /databases      → {"id": "...", "url": "postgresql://postgres@127.0.0.1:PORT/postgres"}
//   DELETE /databases/ID → 204, the database is stopped and gone
const http = require('node:http');
const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');

const databases = new Map();
let next = 1;

const control = http.createServer(async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/databases') {
      const db = await PGlite.create();
      // 2: the app's pool of 1 plus the suite's own connection for seeding and assertions.
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
      await server.start();
      const id = String(next++);
      databases.set(id, { db, server });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, url: `postgresql://postgres@${server.getServerConn()}/postgres` }));
      return;
    }
    const match = req.method === 'DELETE' && /^\/databases\/(\d+)$/.exec(req.url ?? '');
    if (match && databases.has(match[1])) {
      const { db, server } = databases.get(match[1]);
      databases.delete(match[1]);
      await server.stop();
      await db.close();
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404).end();
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err && err.stack));
  }
});

control.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ control: `http://127.0.0.1:${control.address().port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
