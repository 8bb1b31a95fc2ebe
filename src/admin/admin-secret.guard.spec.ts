import { Logger } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import fc from 'fast-check';
import type { FastifyRequest } from 'fastify';
import crypto from 'node:crypto';
import { JsonHttpException } from '../common/errors';
import { loadConfig } from '../config/app-config';
import { AdminAuditService } from './admin-audit.service';
import { AdminSecretGuard } from './admin-secret.guard';

const SECRET = 'unit-migrate-secret-0123456789abcdefghij';
const DIGEST_BYTES = 32;

/** What Node hands over for a header whose bytes were `text` in UTF-8 (it decodes header bytes as latin1). */
const asHeader = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

function setup(migrateSecret: string | undefined) {
  const config = loadConfig({ NODE_ENV: 'test', MIGRATE_SECRET: migrateSecret });
  const audit = new AdminAuditService(config);
  const record = jest.spyOn(audit, 'record');
  const guard = new AdminSecretGuard(config, audit);
  const attempt = (headers: Record<string, string>) => {
    const request = {
      method: 'POST',
      routeOptions: { url: '/api/admin/migrations/up' },
      headers,
      socket: { remoteAddress: '127.0.0.1' },
    } as unknown as FastifyRequest;
    return guard.canActivate(new ExecutionContextHost([request, {}]));
  };
  return { attempt, record };
}

function refusal(run: () => unknown): JsonHttpException {
  try {
    run();
  } catch (err) {
    if (err instanceof JsonHttpException) return err;
    throw err;
  }
  throw new Error('the guard admitted the request');
}

describe('AdminSecretGuard', () => {
  let compare: jest.SpiedFunction<typeof crypto.timingSafeEqual>;

  // Audit lines are checked through the spy on `record`; the console stays quiet.
  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    compare = jest.spyOn(crypto, 'timingSafeEqual');
  });
  afterEach(() => {
    // Whatever the case, every comparison the guard made was between two digests of one length.
    for (const [a, b] of compare.mock.calls) {
      expect(a.byteLength).toBe(DIGEST_BYTES);
      expect(b.byteLength).toBe(DIGEST_BYTES);
    }
    compare.mockRestore();
  });

  describe('with a configured secret', () => {
    const { attempt, record } = setup(SECRET);
    beforeEach(() => record.mockClear());

    it.each<[string, Record<string, string>]>([
      ['x-migrate-secret', { 'x-migrate-secret': SECRET }],
      ['Authorization: Bearer', { authorization: `Bearer ${SECRET}` }],
      ['a lowercase bearer scheme', { authorization: `bearer ${SECRET}` }],
    ])('admits the equal secret in %s after exactly one comparison', (_name, headers) => {
      expect(attempt(headers)).toBe(true);
      expect(compare).toHaveBeenCalledTimes(1);
      expect(record).not.toHaveBeenCalled();
    });

    it.each<[string, Record<string, string>]>([
      ['same length, different value', { 'x-migrate-secret': `${SECRET.slice(0, -1)}X` }],
      ['shorter (a prefix)', { 'x-migrate-secret': SECRET.slice(0, -1) }],
      ['much shorter', { 'x-migrate-secret': 'a' }],
      ['longer (secret plus one)', { 'x-migrate-secret': `${SECRET}x` }],
      ['much longer', { 'x-migrate-secret': SECRET.repeat(50) }],
      ['empty', { 'x-migrate-secret': '' }],
      ['non-ASCII, same character count', { 'x-migrate-secret': asHeader(`${SECRET.slice(0, -1)}é`) }],
      ['non-ASCII, emoji and CJK', { 'x-migrate-secret': asHeader('🔑秘密'.repeat(8)) }],
      ['header missing', {}],
      ['Bearer with a wrong secret', { authorization: 'Bearer wrong-secret' }],
      ['Bearer with nothing after it', { authorization: 'Bearer ' }],
      ['the secret without the Bearer scheme', { authorization: SECRET }],
      ['the secret in another scheme', { authorization: `Basic ${SECRET}` }],
      ['a wrong x-migrate-secret beside a right Bearer (the header wins)', { 'x-migrate-secret': 'nope', authorization: `Bearer ${SECRET}` }],
    ])('refuses %s with 401 Unauthorized, after exactly one comparison', (_name, headers) => {
      const err = refusal(() => attempt(headers));
      expect(err.getStatus()).toBe(401);
      expect(err.body).toEqual({ error: 'Unauthorized' });
      expect(compare).toHaveBeenCalledTimes(1);
      expect(record).toHaveBeenCalledTimes(1);
      expect(record.mock.calls[0][1]).toBe('unauthorized');
    });

    it('refuses any other header value the same way (property)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          fc.pre(Buffer.compare(Buffer.from(bytes), Buffer.from(SECRET)) !== 0);
          compare.mockClear();
          const err = refusal(() => attempt({ 'x-migrate-secret': Buffer.from(bytes).toString('latin1') }));
          expect(err.getStatus()).toBe(401);
          expect(err.body).toEqual({ error: 'Unauthorized' });
          expect(compare).toHaveBeenCalledTimes(1);
        }),
        { numRuns: 300 },
      );
    });
  });

  it('admits a non-ASCII configured secret sent as UTF-8 bytes', () => {
    const secret = 'pässwörd-秘密-🔑-0123456789-abcdefghijkl';
    const { attempt } = setup(secret);
    expect(attempt({ 'x-migrate-secret': asHeader(secret) })).toBe(true);
    expect(refusal(() => attempt({ 'x-migrate-secret': secret })).getStatus()).toBe(401);
    expect(compare).toHaveBeenCalledTimes(2);
  });

  describe.each<[string, string | undefined]>([
    ['unset', undefined],
    ['empty', ''],
    ['blank', '   '],
  ])('with the secret %s', (_name, configured) => {
    const { attempt, record } = setup(configured);

    it.each<[string, Record<string, string>]>([
      ['no header', {}],
      ['an empty header (whose digest would equal an empty secret’s)', { 'x-migrate-secret': '' }],
      ['an empty Bearer', { authorization: 'Bearer ' }],
      ['some secret', { 'x-migrate-secret': SECRET }],
    ])('answers 503 Not configured to %s, without any comparison', (_case, headers) => {
      record.mockClear();
      const err = refusal(() => attempt(headers));
      expect(err.getStatus()).toBe(503);
      expect(err.body).toEqual({ error: 'Not configured' });
      expect(compare).not.toHaveBeenCalled();
      expect(record).toHaveBeenCalledTimes(1);
      expect(record.mock.calls[0][1]).toBe('not_configured');
    });
  });
});
