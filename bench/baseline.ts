import { createSecretKey } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import jwt from 'jsonwebtoken';
import { Pool, PoolClient, QueryConfig } from 'pg';
import { SESSION_MISMATCH } from '../src/auth/authenticated-session';
import { AUTH_REQUIRED } from '../src/auth/session.guard';
import { isLive, SessionRecord } from '../src/auth/session.repository';
import { HttpException } from '@nestjs/common';
import { INVALID_ADDRESS, parseAddress as parseServiceAddress } from '../src/common/address';
import { isUniqueViolation } from '../src/common/errors';
import { AppConfig } from '../src/config/app-config';
import { loadConfigModule } from '../src/config/config.module';
import { ensName, nicknameOfEnsName, NicknameErrors, suggestionCandidates, validateNickname } from '../src/nickname/nickname.rules';
import { AVATAR_SELECTIONS, AVATAR_STYLES, INT32_MAX } from '../src/profile/dto/profile.dto';
import { ChangeLimits, decideNicknameChange, refusalMessage } from '../src/profile/nickname-change.policy';
import { toProfileResponse } from '../src/profile/profile.presenter';
import { ProfileRecord } from '../src/profile/profile.repository';
import { parseAddressList as parseServiceAddressList } from '../src/profile/profile.service';

/**
 * The bench's physical limit: a bare `node:http` + `pg` server answering the same routes with the
 * repository's own SQL text, the service's own response shaping and the same session check on writes
 * (the parity e2e test holds it to that), and nothing else: no framework, no ORM, no logging, no rate
 * limits, no ETags, no security headers.
 */

type Answer = [status: number, body: unknown];
type Lookup = { address: string; nickname: string };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' && body && 'error' in body ? String(body.error) : 'error');
  }
}

const bad = (error: string) => new HttpError(400, { error });

/** The service's parsing, its HTTP errors as the baseline's. */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof HttpException) throw bad((err.getResponse() as { message: string }).message);
    throw err;
  }
}
const parseAddress = (raw: string) => parsed(() => parseServiceAddress(raw));
const parseAddressList = (raw: string) => parsed(() => parseServiceAddressList(raw));

/** The statements the repositories send (MikroORM's Kysely compiles the same text), by hand on pg. */
const isoOf = (column: string) => `to_char("${column}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const PROFILE_COLUMNS =
  `"address", "nickname", "nickname_normalized" as "nicknameNormalized", "avatar_style" as "avatarStyle",` +
  ` "avatar_selection" as "avatarSelection", "avatar_variant" as "avatarVariant",` +
  ` "nickname_change_count" as "nicknameChangeCount", ${isoOf('last_nickname_change')} as "lastNicknameChange",` +
  ` ${isoOf('created_at')} as "createdAt", ${isoOf('updated_at')} as "updatedAt"`;
const WRITE_COLUMNS = [
  'nickname', 'nickname_normalized', 'avatar_style', 'avatar_selection', 'avatar_variant', 'nickname_change_count',
  'last_nickname_change',
] as const;
type WriteValues = Record<(typeof WRITE_COLUMNS)[number], unknown>;

const query = (text: string) => (values: unknown[]): QueryConfig => ({ text, values });
const QUERIES = {
  byAddress: query(`select ${PROFILE_COLUMNS} from "profiles" where "address" = $1`),
  byAddresses: query(`select ${PROFILE_COLUMNS} from "profiles" where "address" = any($1)`),
  byNormalizedNickname: query(`select "address", "nickname" from "profiles" where "nickname_normalized" = $1`),
  nicknameByAddress: query(`select "address", "nickname" from "profiles" where "address" = $1 and "nickname" is not null`),
  takenAmong: query(`select "nickname_normalized" as "n" from "profiles" where "nickname_normalized" = any($1)`),
  lockByAddress: query(`select ${PROFILE_COLUMNS} from "profiles" where "address" = $1 for update`),
  insert: (address: string, values: WriteValues, at: string): QueryConfig => ({
    text:
      `insert into "profiles" ("address", ${WRITE_COLUMNS.map((c) => `"${c}"`).join(', ')}, "created_at", "updated_at")` +
      ` values ($1, ${WRITE_COLUMNS.map((_, i) => `$${i + 2}`).join(', ')}, $9, $9)` +
      ` on conflict ("address") do nothing returning ${PROFILE_COLUMNS}`,
    values: [address, ...WRITE_COLUMNS.map((c) => values[c]), at],
  }),
  update: (address: string, values: WriteValues, at: string): QueryConfig => ({
    text:
      `update "profiles" set ${WRITE_COLUMNS.map((c, i) => `"${c}" = $${i + 1}`).join(', ')}, "updated_at" = $8` +
      ` where "address" = $9 returning ${PROFILE_COLUMNS}`,
    values: [...WRITE_COLUMNS.map((c) => values[c]), at, address],
  }),
  findSession: query(
    `select "id", "address", ${isoOf('expires_at')} as "expiresAt" from "auth_sessions" where "id" = $1 and "revoked_at" is null`,
  ),
};

type AvatarColumns = Pick<ProfileRecord, 'avatarStyle' | 'avatarSelection' | 'avatarVariant'>;

/** undefined: keep the stored avatar; null: clear it. */
function parseAvatar(raw: unknown): AvatarColumns | null | undefined {
  if (raw === undefined || raw === null) return raw;
  const a = raw as Record<string, unknown>;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('Avatar must be an object with style, selection and variant');
  if (!(AVATAR_STYLES as readonly unknown[]).includes(a.style)) throw bad(`Avatar style must be one of ${AVATAR_STYLES.join(', ')}`);
  if (!(AVATAR_SELECTIONS as readonly unknown[]).includes(a.selection)) {
    throw bad(`Avatar selection must be one of ${AVATAR_SELECTIONS.join(', ')}`);
  }
  if (!Number.isInteger(a.variant)) throw bad('Avatar variant must be an integer');
  const variant = a.variant as number;
  if (variant < 0 || variant > INT32_MAX) throw bad('Avatar variant must be between 0 and 2147483647');
  return { avatarStyle: a.style as string, avatarSelection: a.selection as string, avatarVariant: variant };
}

const writeValues = (
  next: { nickname: string; nicknameNormalized: string },
  avatar: AvatarColumns,
  count: number,
  last: string | null,
): WriteValues => ({
  nickname: next.nickname,
  nickname_normalized: next.nicknameNormalized,
  avatar_style: avatar.avatarStyle,
  avatar_selection: avatar.avatarSelection,
  avatar_variant: avatar.avatarVariant,
  nickname_change_count: count,
  last_nickname_change: last,
});

const NO_AVATAR: AvatarColumns = { avatarStyle: null, avatarSelection: null, avatarVariant: null };

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SESSION_ISSUER = 'villa-profile-api';

export interface BaselineOptions {
  /** The service's configuration: pool size, reserved names, change limits, ENS domain. */
  config: AppConfig;
  /** "Now" for the change rules, sessions and write timestamps; the parity test shares the service's clock. */
  now?: () => Date;
}

export interface Baseline {
  server: Server;
  close(): Promise<void>;
}

export function createBaseline({ config, now = () => new Date() }: BaselineOptions): Baseline {
  const pool = new Pool({ connectionString: config.database.url!, max: config.database.poolMax });
  const reserved: ReadonlySet<string> = new Set(config.nickname.reserved);
  const limits: ChangeLimits = { maxChanges: config.nickname.maxChanges, cooldownDays: config.nickname.cooldownDays };
  const ensDomain = config.nickname.ensDomain;
  // A KeyObject, as the service holds it: jsonwebtoken would otherwise try to parse raw bytes as a PEM key on each verify.
  const sessionKey = config.auth.sessionSecret ? createSecretKey(Buffer.from(config.auth.sessionSecret, 'utf8')) : null;

  const rows = async <T>(query: QueryConfig, client: Pool | PoolClient = pool): Promise<T[]> =>
    (await client.query(query)).rows as T[];
  const lookup = (row: Lookup) => ({
    address: row.address,
    nickname: row.nickname,
    ens: ensName(row.nickname, ensDomain),
  });

  async function getProfile(raw: string): Promise<Answer> {
    const [record] = await rows<ProfileRecord>(QUERIES.byAddress([parseAddress(raw)]));
    if (!record) return [404, { error: 'Profile not found' }];
    return [200, toProfileResponse(record, limits, now())];
  }

  async function getMany(raw: string): Promise<Answer> {
    const addresses = parseAddressList(raw);
    const records = await rows<ProfileRecord>(QUERIES.byAddresses([addresses]));
    const byAddress = new Map(records.map((r) => [r.address, r]));
    const at = now();
    const profiles = [];
    const missing = [];
    for (const address of addresses) {
      const record = byAddress.get(address);
      if (record) profiles.push(toProfileResponse(record, limits, at));
      else missing.push(address);
    }
    return [200, { profiles, missing }];
  }

  async function check(raw: string): Promise<Answer> {
    const result = validateNickname(raw, reserved);
    if (!result.valid) {
      if (result.error === NicknameErrors.required) {
        return [400, { available: false, normalized: '', reason: 'invalid', error: NicknameErrors.required }];
      }
      return [200, { available: false, normalized: result.normalized, reason: 'invalid', error: result.error }];
    }
    const candidates = suggestionCandidates(result.normalized, now().getTime()).filter(
      (c) => validateNickname(c, reserved).valid,
    );
    const taken = new Set(
      (await rows<{ n: string }>(QUERIES.takenAmong([[result.normalized, ...candidates]]))).map((r) => r.n),
    );
    if (!taken.has(result.normalized)) return [200, { available: true, normalized: result.normalized }];
    const suggestions = candidates.filter((c) => !taken.has(c)).slice(0, 3);
    return [
      200,
      { available: false, normalized: result.normalized, reason: 'taken', suggestions, suggestion: suggestions[0] ?? null },
    ];
  }

  async function reverse(raw: string): Promise<Answer> {
    const [row] = await rows<Lookup>(QUERIES.nicknameByAddress([parseAddress(raw)]));
    return row ? [200, lookup(row)] : [404, null];
  }

  async function resolve(raw: string): Promise<Answer> {
    const result = validateNickname(nicknameOfEnsName(raw, ensDomain) ?? raw, new Set());
    const [row] = result.valid ? await rows<Lookup>(QUERIES.byNormalizedNickname([result.normalized])) : [];
    return row ? [200, lookup(row)] : [404, { error: 'Nickname not found' }];
  }

  /** The JWT names a live session row; null for anything else (SessionService.authenticate, by hand). */
  async function sessionAddress(authorization: string | undefined): Promise<string | null> {
    const token = BEARER.exec(authorization ?? '')?.[1];
    if (!token || !sessionKey) return null;
    const at = now();
    let claims: { sid?: unknown; sub?: unknown };
    try {
      claims = jwt.verify(token, sessionKey, {
        algorithms: ['HS256'],
        issuer: SESSION_ISSUER,
        clockTimestamp: Math.floor(at.getTime() / 1000),
      }) as typeof claims;
    } catch {
      return null;
    }
    if (typeof claims.sid !== 'string' || !UUID.test(claims.sid) || typeof claims.sub !== 'string') return null;
    const [row] = await rows<SessionRecord>(QUERIES.findSession([claims.sid]));
    return row && isLive(row, at) && row.address === claims.sub ? row.address : null;
  }

  /** POST /api/profile for the session's `owner`: the same locked read-decide-write as ProfileService.save, by hand. */
  async function save(body: Record<string, unknown>, owner: string): Promise<Answer> {
    if (typeof body.address !== 'string') throw bad(INVALID_ADDRESS);
    const address = parseAddress(body.address);
    if (owner !== address) throw new HttpError(403, { error: SESSION_MISMATCH });
    if (typeof body.nickname !== 'string') throw bad(NicknameErrors.required);
    const valid = validateNickname(body.nickname, reserved);
    if (!valid.valid) throw bad(valid.error);
    const next = { nickname: body.nickname.trim(), nicknameNormalized: valid.normalized };
    const avatar = parseAvatar(body.avatar);

    for (let attempt = 0; attempt < 3; attempt++) {
      const record = await transaction(async (client) => {
        const at = now();
        const [current] = await rows<ProfileRecord>(QUERIES.lockByAddress([address]), client);
        const iso = at.toISOString();
        if (!current) {
          const columns = avatar ?? NO_AVATAR;
          const [row] = await rows<ProfileRecord>(
            QUERIES.insert(address, writeValues(next, columns, 0, null), iso),
            client,
          );
          return row ?? null;
        }
        let count = current.nicknameChangeCount;
        let last = current.lastNicknameChange;
        if (current.nicknameNormalized !== null && current.nicknameNormalized !== next.nicknameNormalized) {
          const decision = decideNicknameChange(current, limits, at);
          if (!decision.allowed) {
            throw new HttpError(403, {
              error: refusalMessage(decision, limits),
              canChangeNickname: false,
              ...(decision.reason === 'cooldown' ? { nextChangeAt: decision.nextChangeAt.toISOString() } : {}),
            });
          }
          count += 1;
          last = iso;
        }
        const columns = avatar === undefined ? current : (avatar ?? NO_AVATAR);
        const [row] = await rows<ProfileRecord>(
          QUERIES.update(address, writeValues(next, columns, count, last), iso),
          client,
        );
        return row;
      });
      if (record) return [201, toProfileResponse(record, limits, now())];
    }
    throw new Error('Profile write did not settle after 3 attempts');
  }

  async function transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback');
      if (isUniqueViolation(err)) throw new HttpError(409, { error: 'Nickname is already taken' });
      throw err;
    } finally {
      client.release();
    }
  }

  async function route(req: IncomingMessage): Promise<Answer> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const param = (prefix: string) => decodeURIComponent(path.slice(prefix.length));
    if (req.method === 'GET') {
      if (path.startsWith('/api/profile/')) return getProfile(param('/api/profile/'));
      if (path === '/api/profiles') return getMany(new URLSearchParams(q === -1 ? '' : url.slice(q + 1)).getAll('addresses').join(','));
      if (path.startsWith('/api/nicknames/check/')) return check(param('/api/nicknames/check/'));
      if (path.startsWith('/api/nicknames/reverse/')) return reverse(param('/api/nicknames/reverse/'));
      if (path.startsWith('/api/nicknames/resolve/')) return resolve(param('/api/nicknames/resolve/'));
    }
    if (req.method === 'POST' && path === '/api/profile') {
      // SessionGuard runs before the body is even validated.
      const owner = await sessionAddress(req.headers.authorization);
      if (!owner) throw new HttpError(401, { error: AUTH_REQUIRED });
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        throw bad('Malformed JSON body');
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('Request body must be a JSON object');
      return save(body as Record<string, unknown>, owner);
    }
    return [404, { error: 'Not found' }];
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    route(req).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => (err instanceof HttpError ? send(res, err.status, err.body) : send(res, 500, { error: 'Internal server error' })),
    );
  });

  return {
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// Run directly (the bench spawns it): configured by the same environment as the service.
if (require.main === module) {
  void loadConfigModule().then(({ config }) => {
    const baseline = createBaseline({ config });
    baseline.server.listen(config.port, config.host, () => process.stdout.write(`baseline listening on ${config.host}:${config.port}\n`));
    process.once('SIGTERM', () => void baseline.close().then(() => process.exit(0)));
  });
}
