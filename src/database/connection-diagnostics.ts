import { ParsedDatabaseUrl } from './connection-options';

/**
 * Turns a connection failure into one line an operator can act on: which host, what happened, and
 * the likely cause. Never includes the password.
 */
export function describeConnectionError(err: unknown, target: Pick<ParsedDatabaseUrl, 'host' | 'port' | 'database' | 'user'>, timeoutMs: number): string {
  const where = `${target.host}:${target.port}/${target.database}`;
  const e = (err ?? {}) as { code?: string; message?: string; name?: string };
  const code = e.code ?? '';
  const message = e.message ?? String(err);
  const cause = (() => {
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return 'the host name does not resolve (DNS): check the host in DATABASE_URL';
    if (code === 'ECONNREFUSED') return 'connection refused: nothing is listening on that port, or the server is down';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'no route to the host';
    if (code === 'ECONNRESET') return 'the connection was reset: often TLS required by the server (add ?sslmode=require) or a firewall';
    if (/timeout/i.test(message) || code === 'ETIMEDOUT')
      return `no answer within ${timeoutMs} ms: the host accepts packets but never answers (firewall, trusted sources, or a VPC-private hostname used from outside the VPC)`;
    // 28000 also covers "no pg_hba.conf entry" and a missing role: the server's wording tells them apart.
    if (/no pg_hba.conf entry/i.test(message)) return 'the server refuses this client (pg_hba.conf or trusted sources)';
    if (/role .* does not exist/i.test(message)) return `role "${target.user}" does not exist`;
    if (code === '28P01' || code === '28000') return `authentication failed for role "${target.user}"`;
    if (code === '3D000') return `database "${target.database}" does not exist`;
    if (/self[- ]signed|unable to verify|certificate/i.test(message))
      return 'the server certificate is not trusted: set DATABASE_CA_CERT to the database CA certificate';
    if (/does not support SSL|SSL off/i.test(message)) return 'the server does not accept TLS: use sslmode=disable for a local server';
    return message;
  })();
  return `Cannot connect to PostgreSQL at ${where}: ${cause}${code && !cause.includes(code) ? ` [${code}]` : ''}`;
}
