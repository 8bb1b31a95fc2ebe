#!/usr/bin/env node
// Serves throw-away in-memory PGlite databases to the e2e suites when no PostgreSQL server answers.
// It runs as its own process because PGlite loads its WASM with a dynamic import, which Jest's
// module sandbox does not allow. Control protocol, on loopback only:
//   POST /databases      → {"id": "...", "url": "postgresql://postgres@127.0.0.1:PORT/postgres"}
//   DELETE /databases/ID → 204, the database is stopped and gone
//
// Each database runs in a worker thread of its own: PGlite executes on the thread that owns it, so
// databases sharing one thread stalled one another and this server (on a loaded machine, an app's
// connection handshake waited out its 5 s connect timeout while another suite's database started).
// Each starts from one initdb'd template, made once at start-up: initdb was most of a fresh PGlite's
// start (about 3 s of CPU per database on the CI machine, 0.3 s from the template).
const http = require('node:http');
const { once } = require('node:events');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

if (isMainThread) serveControl();
else runDatabase(workerData).catch((err) => parentPort.postMessage({ error: String(err && err.stack) }));

/** In a worker: the template maker (no template given) or one database served on a loopback port. */
async function runDatabase({ template }) {
  const { PGlite } = require('@electric-sql/pglite');
  if (!template) {
    const db = await PGlite.create();
    const tarball = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
    await db.close();
    parentPort.postMessage({ template: tarball }, [tarball.buffer]);
    return;
  }
  const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
  const db = await PGlite.create({ loadDataDir: new Blob([template]) });
  // 2: the app's pool of 1 plus the suite's own connection for seeding and assertions.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  parentPort.once('message', async () => {
    await server.stop();
    await db.close();
    parentPort.postMessage({ stopped: true });
  });
  parentPort.postMessage({ url: `postgresql://postgres@${server.getServerConn()}/postgres` });
}

/** Starts a worker and resolves with its first message (an `error` message rejects). */
async function startWorker(data) {
  const worker = new Worker(__filename, { workerData: data });
  const [message] = await Promise.race([once(worker, 'message'), once(worker, 'error').then(([err]) => Promise.reject(err))]);
  if (message.error) {
    await worker.terminate();
    throw new Error(message.error);
  }
  return { worker, message };
}

function serveControl() {
  const databases = new Map();
  let next = 1;
  const template = startWorker({ template: null }).then(async ({ worker, message }) => {
    await worker.terminate();
    return message.template;
  });
  template.catch(() => undefined); // reported to each POST instead

  const control = http.createServer(async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/databases') {
        const { worker, message } = await startWorker({ template: await template });
        const id = String(next++);
        databases.set(id, worker);
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id, url: message.url }));
        return;
      }
      const match = req.method === 'DELETE' && /^\/databases\/(\d+)$/.exec(req.url ?? '');
      if (match && databases.has(match[1])) {
        const worker = databases.get(match[1]);
        databases.delete(match[1]);
        worker.postMessage('stop');
        await once(worker, 'message');
        await worker.terminate();
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
}
