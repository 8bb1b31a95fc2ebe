import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrivateKeyAccount } from 'viem/accounts';
import { signedSiwe } from './auth';

export interface SameOriginProxyOptions {
  /** The HTML served at `/` (the frontend's page); none: `/` is a 404. */
  page?: string;
  /**
   * The wallet behind `POST /__wallet/sign-in` `{nonce, domain, uri}` → `{message, signature}`: a
   * test-only stand-in for viem's createSiweMessage plus the user's wallet, so a page can sign in
   * without a bundle. Never under /api, so it never reaches the app.
   */
  wallet?: PrivateKeyAccount;
}

/**
 * The frontend's origin in a test: one node:http server that serves the page and forwards every
 * `/api/...` request to the app untouched (method, path, headers, body; the answer likewise,
 * `Set-Cookie` included), as App Platform's ingress does on the frontend's domain. So a browser, or
 * a client acting as one, calls relative URLs on one origin and the app sees what it would behind
 * the real routing.
 */
export interface ForwardedRequest {
  method: string;
  path: string;
  origin: string | undefined;
  /** Whether the request carried the session cookie (what the browser decided to send). */
  sessionCookie: boolean;
  status: number;
}

export class SameOriginProxy {
  private upstream: URL | null = null;
  /** Every request forwarded to the app, with its answer's status: what a browser really sent. */
  readonly forwarded: ForwardedRequest[] = [];

  private constructor(
    private readonly server: Server,
    private readonly options: SameOriginProxyOptions,
  ) {
    server.on('request', (req, res) => this.handle(req, res));
  }

  /** Listens on 127.0.0.1:<random>; call forwardTo() once the app is up (it needs this origin's host first). */
  static async start(options: SameOriginProxyOptions = {}): Promise<SameOriginProxy> {
    const proxy = new SameOriginProxy(createServer(), options);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** `127.0.0.1:<port>`: what the page's `location.host` is, and so the SIWE domain to allow. */
  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** `http://127.0.0.1:<port>`: what a browser sends as `Origin` from the page. */
  get origin(): string {
    return `http://${this.host}`;
  }

  forwardTo(appUrl: string): void {
    this.upstream = new URL(appUrl);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    if (path === '/api' || path.startsWith('/api/')) return this.forward(req, res);
    if (req.method === 'POST' && path === '/__wallet/sign-in' && this.options.wallet) return void this.signIn(req, res, this.options.wallet);
    if (req.method === 'GET' && path === '/' && this.options.page !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(this.options.page);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    if (!this.upstream) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('no app behind the proxy yet');
      return;
    }
    const upstream = httpRequest(
      { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        this.forwarded.push({
          method: req.method ?? '',
          path: req.url ?? '',
          origin: req.headers.origin,
          sessionCookie: /(^|;\s*)villa_session=/.test(req.headers.cookie ?? ''),
          status: answer.statusCode ?? 0,
        });
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end();
    });
    req.pipe(upstream);
  }

  private async signIn(req: IncomingMessage, res: ServerResponse, wallet: PrivateKeyAccount): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { nonce, domain, uri } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { nonce: string; domain: string; uri: string };
    const signed = await signedSiwe(wallet, nonce, { domain, uri, issuedAt: new Date() });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(signed));
  }
}
