import { BadRequestException, ConflictException, HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import { assertSessionOwns, AuthenticatedSession } from '../auth/authenticated-session';
import { isAddress, parseAddress } from '../common/address';
import { Clock } from '../common/clock';
import { JsonHttpException } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { validateNickname } from '../nickname/nickname.rules';
import { AvatarDto, CreateProfileDto, UpdateNicknameDto } from './dto/profile.dto';
import { ProfileBatchResponse, ProfileResponse } from './dto/profile.response';
import { ChangeLimits, decideNicknameChange, refusalMessage } from './nickname-change.policy';
import { toProfileResponse } from './profile.presenter';
import {
  NicknameTakenError,
  ProfileRecord,
  ProfileRepository,
  ProfileTransaction,
  ProfileWrite,
} from './profile.repository';

export const MAX_BATCH = 100;

type AvatarColumns = Pick<ProfileWrite, 'avatarStyle' | 'avatarSelection' | 'avatarVariant'>;
const NO_AVATAR: AvatarColumns = { avatarStyle: null, avatarSelection: null, avatarVariant: null };

/** The profile rules: who may change what, when, and what counts as a change. */
@Injectable()
export class ProfileService {
  private readonly reserved: ReadonlySet<string>;
  private readonly limits: ChangeLimits;

  constructor(
    private readonly profiles: ProfileRepository,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.reserved = new Set(config.nickname.reserved);
    this.limits = { maxChanges: config.nickname.maxChanges, cooldownDays: config.nickname.cooldownDays };
  }

  async get(rawAddress: string): Promise<ProfileResponse> {
    const record = await this.profiles.findByAddress(parseAddress(rawAddress));
    if (!record) throw new NotFoundException('Profile not found');
    return this.toResponse(record, this.clock.now());
  }

  /** Profiles for up to 100 addresses in one query, in the order asked, with the misses listed. */
  async getMany(rawList: string | undefined): Promise<ProfileBatchResponse> {
    const addresses = parseAddressList(rawList);
    const records = await this.profiles.findByAddresses(addresses);
    const byAddress = new Map(records.map((r) => [r.address, r]));
    const now = this.clock.now();
    const profiles: ProfileResponse[] = [];
    const missing: string[] = [];
    for (const address of addresses) {
      const record = byAddress.get(address);
      if (record) profiles.push(this.toResponse(record, now));
      else missing.push(address);
    }
    return { profiles, missing };
  }

  /** POST: creates the profile, or updates it under the same change rules as PATCH. */
  async save(session: AuthenticatedSession, dto: CreateProfileDto): Promise<ProfileResponse> {
    const address = parseAddress(dto.address);
    assertSessionOwns(session, address);
    const nickname = this.validNickname(dto.nickname);
    // Omitted avatar keeps the stored one; null clears it.
    const avatar = dto.avatar === undefined ? undefined : avatarColumns(dto.avatar);
    const write = () =>
      this.writeWithRetry(async (tx, now) => {
        const current = await tx.findForUpdate(address);
        if (!current) {
          return tx.insert(
            address,
            { ...nickname, ...(avatar ?? NO_AVATAR), nicknameChangeCount: 0, lastNicknameChange: null },
            now,
          );
        }
        const change = this.nicknameChange(current, nickname, now);
        return tx.update(address, { ...storedAvatar(current), ...avatar, ...change }, now);
      });
    try {
      // ON CONFLICT covers the address only: two first POSTs for one address and one name can trip the
      // nickname index before the address one. Once more sees the other's row; another owner's name fails again.
      const record = await write().catch((err: unknown) => {
        if (err instanceof NicknameTakenError) return write();
        throw err;
      });
      return this.toResponse(record, this.clock.now());
    } catch (err) {
      if (err instanceof NicknameTakenError) throw new ConflictException('Nickname is already taken');
      throw err;
    }
  }

  /** PATCH: a nickname change, counted and limited. */
  async changeNickname(session: AuthenticatedSession, dto: UpdateNicknameDto): Promise<ProfileResponse> {
    const address = parseAddress(dto.address);
    assertSessionOwns(session, address);
    const nickname = this.validNickname(dto.newNickname);
    try {
      const record = await this.writeWithRetry(async (tx, now) => {
        const current = await tx.findForUpdate(address);
        if (!current) throw new NotFoundException('Profile not found');
        if (current.nickname === nickname.nickname) {
          throw new BadRequestException('New nickname must be different from current nickname');
        }
        return tx.update(address, { ...storedAvatar(current), ...this.nicknameChange(current, nickname, now) }, now);
      });
      return this.toResponse(record, this.clock.now());
    } catch (err) {
      if (err instanceof NicknameTakenError) throw new ConflictException('This nickname is already taken');
      throw err;
    }
  }

  toResponse(record: ProfileRecord, now: Date): ProfileResponse {
    return toProfileResponse(record, this.limits, now);
  }

  private validNickname(raw: string): { nickname: string; nicknameNormalized: string } {
    const result = validateNickname(raw, this.reserved);
    if (!result.valid) throw new BadRequestException(result.error);
    return { nickname: raw.trim(), nicknameNormalized: result.normalized };
  }

  /**
   * What a write does to the nickname columns. Same name in any case: not a change (a case-only
   * edit updates the display form for free). First claim on a legacy row without a name: free.
   * Anything else is a counted change, refused with 403 over the limit or inside the cooldown.
   */
  private nicknameChange(
    current: ProfileRecord,
    next: { nickname: string; nicknameNormalized: string },
    now: Date,
  ): Pick<ProfileWrite, 'nickname' | 'nicknameNormalized' | 'nicknameChangeCount' | 'lastNicknameChange'> {
    const unchangedCounters = {
      nicknameChangeCount: current.nicknameChangeCount,
      lastNicknameChange: current.lastNicknameChange ? new Date(current.lastNicknameChange) : null,
    };
    if (current.nicknameNormalized === null || current.nicknameNormalized === next.nicknameNormalized) {
      return { ...next, ...unchangedCounters };
    }
    const decision = decideNicknameChange(current, this.limits, now);
    if (!decision.allowed) {
      throw new JsonHttpException(HttpStatus.FORBIDDEN, {
        error: refusalMessage(decision, this.limits),
        canChangeNickname: false,
        ...(decision.reason === 'cooldown' ? { nextChangeAt: decision.nextChangeAt.toISOString() } : {}),
      });
    }
    return { ...next, nicknameChangeCount: current.nicknameChangeCount + 1, lastNicknameChange: now };
  }

  /**
   * Runs a locked read-decide-write. A create that lost the race for a new address (the insert found
   * the row already there) is retried once, which then sees and locks that row.
   */
  private async writeWithRetry(
    work: (tx: ProfileTransaction, now: Date) => Promise<ProfileRecord | null>,
  ): Promise<ProfileRecord> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const record = await this.profiles.transaction((tx) => work(tx, this.clock.now()));
      if (record) return record;
    }
    throw new Error('Profile write did not settle after 3 attempts');
  }
}

function avatarColumns(avatar: AvatarDto | null): AvatarColumns {
  return avatar
    ? { avatarStyle: avatar.style, avatarSelection: avatar.selection, avatarVariant: avatar.variant }
    : NO_AVATAR;
}

function storedAvatar(record: ProfileRecord): AvatarColumns {
  return {
    avatarStyle: record.avatarStyle,
    avatarSelection: record.avatarSelection,
    avatarVariant: record.avatarVariant,
  };
}

/** "0xA,0xb , 0xA" → ["0xa", "0xb"]: validated, lowercased, deduplicated, first-seen order. */
export function parseAddressList(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') throw new BadRequestException('addresses is required');
  const seen = new Set<string>();
  for (const item of raw.split(',')) {
    const candidate = item.trim();
    if (!isAddress(candidate)) {
      throw new BadRequestException(`Invalid address format: ${JSON.stringify(candidate.slice(0, 64))}`);
    }
    seen.add(candidate.toLowerCase());
    if (seen.size > MAX_BATCH) throw new BadRequestException(`Too many addresses: at most ${MAX_BATCH} per request`);
  }
  return [...seen];
}
