/** Whether a profile may change its nickname now, under MAX_NICKNAME_CHANGES and the cooldown. */
export type ChangeDecision =
  | { allowed: true }
  | { allowed: false; reason: 'limit' }
  | { allowed: false; reason: 'cooldown'; nextChangeAt: Date };

export interface ChangeLimits {
  maxChanges: number;
  cooldownDays: number;
}

const DAY_MS = 86_400_000;

export function decideNicknameChange(
  profile: { nicknameChangeCount: number; lastNicknameChange: string | Date | null },
  limits: ChangeLimits,
  now: Date,
): ChangeDecision {
  if (profile.nicknameChangeCount >= limits.maxChanges) return { allowed: false, reason: 'limit' };
  if (profile.lastNicknameChange && limits.cooldownDays > 0) {
    const nextChangeAt = new Date(new Date(profile.lastNicknameChange).getTime() + limits.cooldownDays * DAY_MS);
    if (now < nextChangeAt) return { allowed: false, reason: 'cooldown', nextChangeAt };
  }
  return { allowed: true };
}

export function refusalMessage(decision: Exclude<ChangeDecision, { allowed: true }>, limits: ChangeLimits): string {
  if (decision.reason === 'limit') {
    const n = limits.maxChanges;
    return n === 0
      ? 'Nickname changes are not allowed'
      : `Nickname change limit reached (${n} change${n === 1 ? '' : 's'} allowed)`;
  }
  return `Nickname can be changed again after ${decision.nextChangeAt.toISOString()}`;
}
