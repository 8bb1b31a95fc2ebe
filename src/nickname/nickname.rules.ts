/**
 * The nickname rules, as pure functions. The check endpoint and every write path call these, so the
 * check can never call a name available that a write then refuses (or the reverse).
 */

export const NICKNAME_MIN_LENGTH = 3;
export const NICKNAME_MAX_LENGTH = 30;

export const NicknameErrors = {
  required: 'Nickname is required',
  tooShort: 'Nickname must be at least 3 characters',
  tooLong: 'Nickname must be 30 characters or less',
  badCharacters: 'Only letters, numbers, and underscores allowed',
  mustStartWithLetter: 'Nickname must start with a letter',
  reserved: 'This nickname is reserved',
} as const;

export type NicknameValidation = { valid: true; normalized: string } | { valid: false; normalized: string; error: string };

/** The case-insensitive identity of a nickname: trimmed and lowercased. */
export function normalizeNickname(nickname: string): string {
  return nickname.trim().toLowerCase();
}

/**
 * Validates a nickname as typed (after trimming surrounding white space). Order matters: the
 * contract's error strings are reported for the first rule broken, length first.
 */
export function validateNickname(raw: string, reserved: ReadonlySet<string>): NicknameValidation {
  const nickname = raw.trim();
  const normalized = nickname.toLowerCase();
  if (nickname.length === 0) return { valid: false, normalized, error: NicknameErrors.required };
  if (nickname.length < NICKNAME_MIN_LENGTH) return { valid: false, normalized, error: NicknameErrors.tooShort };
  if (nickname.length > NICKNAME_MAX_LENGTH) return { valid: false, normalized, error: NicknameErrors.tooLong };
  if (!/^[A-Za-z0-9_]+$/.test(nickname)) return { valid: false, normalized, error: NicknameErrors.badCharacters };
  if (!/^[A-Za-z]/.test(nickname)) return { valid: false, normalized, error: NicknameErrors.mustStartWithLetter };
  if (reserved.has(normalized)) return { valid: false, normalized, error: NicknameErrors.reserved };
  return { valid: true, normalized };
}

/**
 * Candidate alternatives for a taken name, in the order they are offered. All are valid by
 * construction when the base is valid; the caller still filters reserved and taken ones.
 */
export function suggestionCandidates(normalizedBase: string, seed: number): string[] {
  const base = normalizedBase.slice(0, NICKNAME_MAX_LENGTH - 4);
  const out = new Set<string>();
  for (let i = 1; i <= 9; i++) out.add(`${base}${i}`);
  out.add(`${base}_${new Date(seed).getUTCFullYear() % 100}`);
  out.add(`${base}_x`);
  out.add(`the_${base}`.slice(0, NICKNAME_MAX_LENGTH));
  let n = seed >>> 0;
  for (let i = 0; i < 8; i++) {
    n = (Math.imul(n, 1103515245) + 12345) >>> 0;
    out.add(`${base}${100 + (n % 900)}`);
  }
  return [...out].filter((c) => c.length >= NICKNAME_MIN_LENGTH && c.length <= NICKNAME_MAX_LENGTH);
}

/**
 * A nickname's ENS label: its lowercase form with `_` written as `-`, since ENSIP-15 allows `_` only
 * at the start of a label (nicknames cannot contain `-`, so no two nicknames share a label). Null
 * where the label is still not normalized: ENSIP-15 refuses `--` in the third and fourth places.
 */
export function ensLabel(nickname: string): string | null {
  const label = nickname.toLowerCase().replaceAll('_', '-');
  return label.slice(2, 4) === '--' ? null : label;
}

/** `<label>.<domain>`, or null when the nickname has no valid label (see ensLabel). */
export function ensName(nickname: string, domain: string): string | null {
  const label = ensLabel(nickname);
  return label === null ? null : `${label}.${domain}`;
}

/**
 * The normalized nickname whose ENS name `name` is (`Alice-Bob.villa.cash` → `alice_bob`), or null
 * when `name` is not under `domain` or is not the ENS name of any nickname.
 */
export function nicknameOfEnsName(name: string, domain: string): string | null {
  const lower = name.trim().toLowerCase();
  const suffix = `.${domain}`;
  if (!lower.endsWith(suffix)) return null;
  const label = lower.slice(0, -suffix.length);
  const nickname = label.replaceAll('-', '_');
  // Only a label ensLabel writes: no `_`, no dot, no `--` in the third and fourth places.
  return label !== '' && !label.includes('.') && ensLabel(nickname) === label ? nickname : null;
}
