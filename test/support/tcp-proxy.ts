import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
}

type Mode = 'forward' | 'cut' | 'stall';

/**
 * A loopback TCP proxy put between the app and its database, so a test can take the database away
 * and give it back without touching the server itself:
 *
 *   const proxy = await TcpProxy.start(db.url);
 *   startTestApp({ db, databaseUrl: proxy.url(db.url) });
 *   proxy.cut();      // every open connection is destroyed; new ones are accepted and closed at once
 *   proxy.stall();    // open connections freeze; new ones are accepted and never answered (a black hole)
 *   proxy.restore();  // new connections reach the database again (frozen ones are closed first)
 *   await proxy.close();
 *
 * The listening port stays the same throughout, so the app's configuration never changes.
 */
export class TcpProxy {
  private mode: Mode = 'forward';
  private readonly pairs = new Set<Pair>();
  /** Sockets that are not forwarded (accepted while stalled): closed by restore() and close(). */
  private readonly idle = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on 127.0.0.1:<random>, forwarding to the host and port of `targetUrl` (any URL). */
  static async start(targetUrl: string): Promise<TcpProxy> {
    const parsed = new URL(targetUrl);
    const proxy = new TcpProxy(createServer(), { host: parsed.hostname, port: Number(parsed.port || 5432) });
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `databaseUrl` with its host and port replaced by the proxy's (user, database, query kept). */
  url(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Connections currently forwarded to the target. */
  get openConnections(): number {
    return this.pairs.size;
  }

  /** The database goes away: open connections are reset, new ones are closed as soon as they arrive. */
  cut(): void {
    this.mode = 'cut';
    for (const pair of this.pairs) this.destroy(pair);
    for (const socket of this.idle) socket.destroy();
    this.idle.clear();
  }

  /** The database stops answering: nothing is closed, nothing is answered, bytes sent are dropped. */
  stall(): void {
    this.mode = 'stall';
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.resume();
      upstream.resume();
    }
  }

  /** The database is back for new connections; connections frozen by stall() are closed (their protocol state is lost). */
  restore(): void {
    if (this.mode === 'stall') {
      for (const pair of this.pairs) this.destroy(pair);
      for (const socket of this.idle) socket.destroy();
      this.idle.clear();
    }
    this.mode = 'forward';
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'cut') {
      client.destroy();
      return;
    }
    if (this.mode === 'stall') {
      this.idle.add(client);
      client.on('error', () => client.destroy());
      client.on('close', () => this.idle.delete(client));
      client.resume(); // read and drop, so the client's writes never block
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    // No Nagle delay, as in a real pooler: a server that answers one protocol message per write (the
    // embedded PGlite does) would otherwise stall on every small write for the client's delayed ACK.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    this.pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side failing or closing takes the other down: no half-open pairs are left behind.
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.destroy(pair));
      socket.on('close', () => this.destroy(pair));
    }
  }

  private destroy(pair: Pair): void {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
