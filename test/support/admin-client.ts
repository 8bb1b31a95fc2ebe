import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { TEST_MIGRATE_SECRET, TestApp } from './test-app';

export const SECRET_HEADER = { 'x-migrate-secret': TEST_MIGRATE_SECRET };
export const BEARER_HEADER = { authorization: `Bearer ${TEST_MIGRATE_SECRET}` };

const OUTCOME_BY_STATUS: Record<number, string> = { 200: 'ok', 401: 'unauthorized', 429: 'throttled', 500: 'failed', 503: 'not_configured' };
const ADMIN_ROUTE = /^(GET \/api\/admin\/migrations|POST \/api\/admin\/migrations\/up|POST \/api\/db\/migrate)$/;

export interface AuditLine {
  audit: string;
  route: string;
  clientIp: string;
  outcome: string;
  applied?: string[];
  failedMigration?: string;
}

function parse(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The admin audit lines among the app's captured logs. */
export function auditLines(t: TestApp): AuditLine[] {
  return t.logs.map(parse).filter((e) => e?.audit === 'admin') as unknown as AuditLine[];
}

/** A wrong secret that no log line could contain by accident. */
export const wrongSecret = (label: string) => `wrong-${label}-${randomBytes(6).toString('hex')}`;

export async function tableExists(t: TestApp, table: string): Promise<boolean> {
  const [row] = await t.db.query<{ exists: boolean }>('select to_regclass($1) is not null as exists', [`public.${table}`]);
  return row.exists;
}

/**
 * Admin calls through one door: it remembers every header value sent (to search the log for them)
 * and the outcome each attempt must have been audited with.
 */
export class AdminClient {
  private readonly sent = new Set<string>([TEST_MIGRATE_SECRET]);
  private readonly outcomes: string[] = [];

  constructor(private readonly t: TestApp) {}

  /** With `status`, the answer must have it (the body is shown when it does not). */
  async call(method: 'get' | 'post', path: string, headers: Record<string, string> = {}, status?: number): Promise<request.Response> {
    for (const value of Object.values(headers)) if (value !== '') this.sent.add(value);
    const res = await request(this.t.url)[method](path).set(headers);
    this.outcomes.push(OUTCOME_BY_STATUS[res.status] ?? `unexpected ${res.status}`);
    if (status !== undefined) expect({ path, status: res.status, body: res.body }).toEqual({ path, status, body: res.body });
    return res;
  }

  /** One audit line per attempt so far, in order, with its outcome; no secret or guess in any log line. */
  expectCleanAuditTrail(): void {
    const lines = auditLines(this.t);
    expect(lines.map((l) => l.outcome)).toEqual(this.outcomes);
    for (const line of lines) {
      expect(line.route).toMatch(ADMIN_ROUTE);
      expect(line.clientIp).toBe('127.0.0.1');
    }
    // Every attempt was request-logged too (so the search below is not vacuous), without headers.
    const requestLines = this.t.logs.filter((l) => /"msg":"request completed"/.test(l) && /"url":"\/api\/(admin\/migrations|db\/migrate)/.test(l));
    expect(requestLines.length).toBeGreaterThanOrEqual(this.outcomes.length);
    for (const value of this.sent) {
      const leaks = this.t.logs.filter((l) => l.includes(value));
      expect({ value, leaks }).toEqual({ value, leaks: [] });
    }
  }
}
