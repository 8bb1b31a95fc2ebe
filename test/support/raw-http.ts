import { connect, Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends exact bytes as one HTTP/1.1 request over a fresh socket and reads the whole answer. Unlike
 * supertest or fetch it validates nothing, so hostile paths, headers and bodies reach the server as-is.
 */
export function rawRequest(
  url: string,
  request: { method: string; path: Buffer | string; headers?: Record<string, string>; body?: Buffer | string },
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
  const headers: Record<string, string> = {
    host: `${hostname}:${port}`,
    connection: 'close',
    ...(request.body !== undefined ? { 'content-length': String(body.length) } : {}),
    ...request.headers,
  };
  const head = Buffer.concat([
    Buffer.from(`${request.method} `),
    Buffer.from(request.path),
    Buffer.from(` HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`),
  ]);
  return exchange(url, Buffer.concat([head, body]), timeoutMs, 'answer').then(parseAnswer);
}

/** One answer, as the server sent it before closing the socket. */
function parseAnswer(raw: Buffer): RawResponse {
  const split = raw.indexOf('\r\n\r\n');
  const { status, headers } = parseHead(raw.subarray(0, split < 0 ? raw.length : split));
  let rest: Buffer = split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') rest = dechunk(rest);
  return { status, headers, body: rest.toString('utf8') };
}

/**
 * A slow client: writes `head` at once, then `drip` one byte every `intervalMs`, and keeps going
 * until the server closes the socket. Resolves with the answer (status 0 when there was none) and
 * how long the socket stayed open.
 */
export function slowRequest(
  url: string,
  { head, drip, intervalMs }: { head: string; drip: string; intervalMs: number },
  timeoutMs = 30_000,
): Promise<RawResponse & { openMs: number }> {
  const started = Date.now();
  return exchange(
    url,
    (socket) => {
      socket.write(head);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent < drip.length && socket.writable) socket.write(drip[sent++]);
      }, intervalMs);
      return () => clearInterval(timer);
    },
    timeoutMs,
    'close of the slow request',
  ).then((raw) => ({ ...parseAnswer(raw), openMs: Date.now() - started }));
}

/**
 * Writes `bytes` on a fresh socket (or lets `send` write, until the returned stop is called) and
 * collects everything the server sends until it closes it.
 * write, not end: Node's HTTP server aborts a request whose client half-closes before the answer.
 */
function exchange(
  url: string,
  bytes: Buffer | string | ((socket: Socket) => () => void),
  timeoutMs: number,
  what: string,
): Promise<Buffer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let stop = () => {};
    const timer = setTimeout(() => {
      stop();
      socket.destroy();
      reject(new Error(`no complete ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => {
      if (typeof bytes === 'function') stop = bytes(socket);
      else socket.write(bytes);
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => stop());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      stop();
      // A slow writer may still be writing when the server cuts it off: a reset is its close.
      if (typeof bytes === 'function' && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return;
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      stop();
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** The status and (lower-cased) headers of an answer's head, the bytes before its blank line. */
function parseHead(head: Buffer): { status: number; headers: Record<string, string> } {
  const [statusLine, ...headerLines] = head.toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers };
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let rest = raw;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.subarray(0, eol).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(rest.subarray(eol + 2, eol + 2 + size));
    rest = rest.subarray(eol + 2 + size + 2);
  }
}

/**
 * Sends several GETs pipelined in one write on one socket, so the server parses them all from one
 * read (one turn of its event loop), and returns the answers in order. A request is a path, or a
 * path with its own headers.
 */
export function pipelinedGets(
  url: string,
  requests: (string | { path: string; headers: Record<string, string> })[],
  timeoutMs = 10_000,
): Promise<RawResponse[]> {
  const { hostname, port } = new URL(url);
  const raw = requests.map((r, i) => {
    const { path, headers } = typeof r === 'string' ? { path: r, headers: {} } : r;
    const all = { host: `${hostname}:${port}`, ...headers, ...(i === requests.length - 1 ? { connection: 'close' } : {}) };
    return `GET ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  });
  return exchange(url, raw.join(''), timeoutMs, 'answers').then((all) => {
    let rest = all;
    const answers: RawResponse[] = [];
    while (rest.length > 0) {
      const split = rest.indexOf('\r\n\r\n');
      if (split < 0) throw new Error(`answer ${answers.length + 1} ends inside its headers`);
      const { status, headers } = parseHead(rest.subarray(0, split));
      const length = Number(headers['content-length'] ?? 0);
      if (rest.length < split + 4 + length) throw new Error(`answer ${answers.length + 1} is cut short`);
      answers.push({ status, headers, body: rest.subarray(split + 4, split + 4 + length).toString('utf8') });
      rest = rest.subarray(split + 4 + length);
    }
    if (answers.length !== requests.length) throw new Error(`${requests.length} requests, ${answers.length} answers`);
    return answers;
  });
}
