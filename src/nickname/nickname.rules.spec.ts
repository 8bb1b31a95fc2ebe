import fc from 'fast-check';
import { normalize } from 'viem/ens';
import { DEFAULT_RESERVED_NICKNAMES } from '../config/env.schema';
import {
  ensLabel,
  ensName,
  nicknameOfEnsName,
  NicknameErrors,
  normalizeNickname,
  suggestionCandidates,
  validateNickname,
} from './nickname.rules';

const RESERVED = new Set(DEFAULT_RESERVED_NICKNAMES);
const CONTRACT_SHAPE = /^[A-Za-z][A-Za-z0-9_]{2,29}$/;
const validName = fc.stringMatching(CONTRACT_SHAPE);

describe('normalizeNickname', () => {
  it('lowercases and trims', () => {
    expect(normalizeNickname('  Alice_B2 ')).toBe('alice_b2');
  });
});

describe('validateNickname', () => {
  it.each<[string, string]>([
    ['', NicknameErrors.required],
    ['   ', NicknameErrors.required],
    ['ab', NicknameErrors.tooShort],
    ['a'.repeat(31), NicknameErrors.tooLong],
    ['a-b', NicknameErrors.badCharacters],
    ['ali ce', NicknameErrors.badCharacters],
    ['Zoë', NicknameErrors.badCharacters],
    ['1abc', NicknameErrors.mustStartWithLetter],
    ['_abc', NicknameErrors.mustStartWithLetter],
    ['admin', NicknameErrors.reserved],
    ['AdMiN', NicknameErrors.reserved],
  ])('%j → %s', (raw, error) => {
    expect(validateNickname(raw, RESERVED)).toEqual({ valid: false, normalized: normalizeNickname(raw), error });
  });

  it('reports the first rule broken: length, then characters, then the first letter, then reserved', () => {
    expect(validateNickname('1-', RESERVED)).toMatchObject({ error: NicknameErrors.tooShort });
    expect(validateNickname('-'.repeat(31), RESERVED)).toMatchObject({ error: NicknameErrors.tooLong });
    expect(validateNickname('1-b', RESERVED)).toMatchObject({ error: NicknameErrors.badCharacters });
  });

  it('accepts the bounds: 3 and 30 characters', () => {
    expect(validateNickname('Abc', RESERVED)).toEqual({ valid: true, normalized: 'abc' });
    expect(validateNickname('A' + 'b'.repeat(29), RESERVED)).toEqual({ valid: true, normalized: 'a' + 'b'.repeat(29) });
  });

  it('uses the reserved list it is given, not a built-in one', () => {
    expect(validateNickname('admin', new Set())).toEqual({ valid: true, normalized: 'admin' });
    expect(validateNickname('Galaxy', new Set(['galaxy']))).toMatchObject({ error: NicknameErrors.reserved });
  });

  it('property: valid exactly when the trimmed name has the contract shape and is not reserved', () => {
    const anyName = fc.oneof(validName, fc.string({ maxLength: 35 }), fc.string({ unit: 'grapheme', maxLength: 12 }));
    fc.assert(
      fc.property(anyName, (raw) => {
        const trimmed = raw.trim();
        const result = validateNickname(raw, RESERVED);
        expect(result.normalized).toBe(trimmed.toLowerCase());
        expect(result.valid).toBe(CONTRACT_SHAPE.test(trimmed) && !RESERVED.has(trimmed.toLowerCase()));
      }),
      { numRuns: 500 },
    );
  });

  it('property: a name and any change of its case get the same verdict and the same normalized form', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 32 }).chain((s) => fc.tuple(fc.constant(s), fc.mixedCase(fc.constant(s)))), ([a, b]) => {
        expect(validateNickname(b, RESERVED)).toEqual(validateNickname(a, RESERVED));
      }),
      { numRuns: 300 },
    );
  });
});

describe('suggestionCandidates', () => {
  it('property: for a valid base, every candidate is valid, distinct and different from the base', () => {
    fc.assert(
      fc.property(validName, fc.integer({ min: 0, max: 2 ** 42 }), (name, seed) => {
        const base = normalizeNickname(name);
        const candidates = suggestionCandidates(base, seed);
        expect(candidates.length).toBeGreaterThanOrEqual(3);
        expect(new Set(candidates).size).toBe(candidates.length);
        expect(candidates).not.toContain(base);
        for (const candidate of candidates) {
          expect(validateNickname(candidate, new Set()).valid).toBe(true);
          expect(candidate).toBe(candidate.toLowerCase());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic for one seed (the check answers the same twice in a row)', () => {
    expect(suggestionCandidates('luna', 1_700_000_000_000)).toEqual(suggestionCandidates('luna', 1_700_000_000_000));
  });
});

describe('ENS names', () => {
  // Underscores (and so `--`) much more often than the contract shape draws them.
  const anyNickname = fc.oneof(validName, fc.stringMatching(/^[A-Za-z][a-z_]{2,29}$/), fc.stringMatching(/^[a-z]{2}_{1,3}[a-z0-9_]{0,10}$/));
  it.each([
    ['Alice', 'alice.villa.cash'],
    ['alice_bob', 'alice-bob.villa.cash'],
    ['A_b_c', 'a-b-c.villa.cash'],
    ['ends_', 'ends-.villa.cash'],
    ['ab__c', null], // "ab--c": ENSIP-15 refuses -- in the third and fourth places
    ['xn__abc', null], // punycode's "xn--" prefix is the same rule
    ['abc__d', 'abc--d.villa.cash'],
  ])('%s → %s', (nickname, expected) => {
    expect(ensName(nickname, 'villa.cash')).toBe(expected);
  });

  it('viem refuses what the old answers were (an underscore inside a label)', () => {
    expect(() => normalize('alice_bob.villa.cash')).toThrow(/underscore/);
  });

  it('property: every ens of a valid nickname passes viem/ens normalize unchanged, and maps back to the nickname', () => {
    fc.assert(
      fc.property(anyNickname, (nickname) => {
        const name = ensName(nickname, 'villa.cash');
        const label = nickname.toLowerCase().replaceAll('_', '-');
        expect(name === null).toBe(label.slice(2, 4) === '--');
        if (name === null) return;
        expect(normalize(name)).toBe(name);
        expect(nicknameOfEnsName(name, 'villa.cash')).toBe(normalizeNickname(nickname));
        expect(nicknameOfEnsName(name.toUpperCase(), 'villa.cash')).toBe(normalizeNickname(nickname));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: labels never collide (two different nicknames, two different labels)', () => {
    fc.assert(
      fc.property(anyNickname, anyNickname, (a, b) => {
        fc.pre(normalizeNickname(a) !== normalizeNickname(b));
        const [la, lb] = [ensLabel(a), ensLabel(b)];
        if (la !== null && lb !== null) expect(la).not.toBe(lb);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['alice_bob.villa.cash', 'an underscore in the label'],
    ['ab--c.villa.cash', 'a label with -- in the third and fourth places'],
    ['a.alice.villa.cash', 'a subdomain'],
    ['alice.villa.cash.evil', 'another domain'],
    ['alicevilla.cash', 'no dot before the domain'],
    ['.villa.cash', 'an empty label'],
  ])('nicknameOfEnsName(%s) is null: %s', (name) => {
    expect(nicknameOfEnsName(name, 'villa.cash')).toBeNull();
  });
});
