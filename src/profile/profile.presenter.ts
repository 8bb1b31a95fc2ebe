import { ProfileResponse } from './dto/profile.response';
import { ChangeLimits, decideNicknameChange } from './nickname-change.policy';
import type { ProfileRecord } from './profile.repository';

/** A stored row as the contract's profile object. Pure, so the bench's bare baseline shapes bodies the same way. */
export function toProfileResponse(record: ProfileRecord, limits: ChangeLimits, now: Date): ProfileResponse {
  const hasAvatar = record.avatarStyle !== null && record.avatarSelection !== null && record.avatarVariant !== null;
  return {
    address: record.address,
    nickname: record.nickname,
    nicknameNormalized: record.nicknameNormalized,
    avatar: hasAvatar
      ? { style: record.avatarStyle!, selection: record.avatarSelection!, variant: record.avatarVariant! }
      : null,
    nicknameChangeCount: record.nicknameChangeCount,
    lastNicknameChange: record.lastNicknameChange,
    canChangeNickname: decideNicknameChange(record, limits, now).allowed,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
