import { decideNicknameChange, refusalMessage } from './nickname-change.policy';

const DAY_MS = 86_400_000;
const last = new Date('2026-01-10T12:00:00.000Z');
const after = (days: number, ms = 0) => new Date(last.getTime() + days * DAY_MS + ms);

describe('decideNicknameChange', () => {
  const limits = { maxChanges: 3, cooldownDays: 30 };

  it('allows the first change at once (the first claim is not a change)', () => {
    expect(decideNicknameChange({ nicknameChangeCount: 0, lastNicknameChange: null }, limits, last)).toEqual({ allowed: true });
  });

  it('refuses inside the cooldown, up to the last millisecond, saying when', () => {
    const profile = { nicknameChangeCount: 1, lastNicknameChange: last.toISOString() };
    expect(decideNicknameChange(profile, limits, after(30, -1))).toEqual({ allowed: false, reason: 'cooldown', nextChangeAt: after(30) });
    expect(decideNicknameChange(profile, limits, after(30))).toEqual({ allowed: true });
  });

  it('the limit wins over the cooldown, and holds forever', () => {
    const profile = { nicknameChangeCount: 3, lastNicknameChange: last };
    expect(decideNicknameChange(profile, limits, after(1))).toEqual({ allowed: false, reason: 'limit' });
    expect(decideNicknameChange(profile, limits, after(10_000))).toEqual({ allowed: false, reason: 'limit' });
  });

  it('a cooldown of 0 days only counts changes; a limit of 0 forbids every change', () => {
    const profile = { nicknameChangeCount: 1, lastNicknameChange: last };
    expect(decideNicknameChange(profile, { maxChanges: 3, cooldownDays: 0 }, last)).toEqual({ allowed: true });
    expect(decideNicknameChange({ nicknameChangeCount: 0, lastNicknameChange: null }, { maxChanges: 0, cooldownDays: 0 }, last)).toEqual({
      allowed: false,
      reason: 'limit',
    });
  });
});

describe('refusalMessage', () => {
  it('names the limit, or the ISO moment a change becomes possible', () => {
    expect(refusalMessage({ allowed: false, reason: 'limit' }, { maxChanges: 1, cooldownDays: 30 })).toBe('Nickname change limit reached (1 change allowed)');
    expect(refusalMessage({ allowed: false, reason: 'limit' }, { maxChanges: 3, cooldownDays: 30 })).toBe('Nickname change limit reached (3 changes allowed)');
    expect(refusalMessage({ allowed: false, reason: 'limit' }, { maxChanges: 0, cooldownDays: 30 })).toBe('Nickname changes are not allowed');
    expect(refusalMessage({ allowed: false, reason: 'cooldown', nextChangeAt: after(30) }, { maxChanges: 3, cooldownDays: 30 })).toBe(
      'Nickname can be changed again after 2026-02-09T12:00:00.000Z',
    );
  });
});
