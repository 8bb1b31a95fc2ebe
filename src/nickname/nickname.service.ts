import { HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import { parseAddress } from '../common/address';
import { Clock } from '../common/clock';
import { JsonHttpException } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { ProfileRepository } from '../profile/profile.repository';
import { NicknameCheckResponse, NicknameLookupResponse } from './dto/nickname.response';
import { ensName, nicknameOfEnsName, NicknameErrors, suggestionCandidates, validateNickname } from './nickname.rules';

const MAX_SUGGESTIONS = 3;

@Injectable()
export class NicknameService {
  private readonly reserved: ReadonlySet<string>;
  private readonly ensDomain: string;

  constructor(
    private readonly profiles: ProfileRepository,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.reserved = new Set(config.nickname.reserved);
    this.ensDomain = config.nickname.ensDomain;
  }

  /**
   * Availability, by the same rules every write applies. A taken name comes with up to three
   * suggestions that are valid, not reserved and free; the name and its candidates are looked up in
   * one query.
   */
  async check(raw: string | undefined): Promise<NicknameCheckResponse> {
    const result = validateNickname(raw ?? '', this.reserved);
    if (!result.valid) {
      if (result.error === NicknameErrors.required) {
        throw new JsonHttpException(HttpStatus.BAD_REQUEST, {
          available: false, normalized: '', reason: 'invalid', error: NicknameErrors.required,
        });
      }
      return { available: false, normalized: result.normalized, reason: 'invalid', error: result.error };
    }
    const candidates = suggestionCandidates(result.normalized, this.clock.now().getTime()).filter(
      (c) => validateNickname(c, this.reserved).valid,
    );
    const taken = await this.profiles.takenAmong([result.normalized, ...candidates]);
    if (!taken.has(result.normalized)) return { available: true, normalized: result.normalized };
    const suggestions = candidates.filter((c) => !taken.has(c)).slice(0, MAX_SUGGESTIONS);
    return {
      available: false,
      normalized: result.normalized,
      reason: 'taken',
      suggestions,
      suggestion: suggestions[0] ?? null,
    };
  }

  /** Address → nickname, to greet a returning user. A miss is a 404 whose body is `null`. */
  async reverse(rawAddress: string): Promise<NicknameLookupResponse> {
    const found = await this.byAddress(rawAddress);
    if (!found) throw new JsonHttpException(HttpStatus.NOT_FOUND, null);
    return found;
  }

  /** The same lookup as reverse, for the sign-up component: a miss is `404 {"error":"Nickname not found"}`. */
  async address(rawAddress: string): Promise<NicknameLookupResponse> {
    const found = await this.byAddress(rawAddress);
    if (!found) throw new NotFoundException('Nickname not found');
    return found;
  }

  /** Nickname (any case), or its full ENS name under ENS_DOMAIN (`alice-bob.villa.cash`), → address. */
  async resolve(raw: string): Promise<NicknameLookupResponse> {
    const result = validateNickname(nicknameOfEnsName(raw, this.ensDomain) ?? raw, new Set());
    // A name that breaks the rules cannot have been claimed: no need to ask the database.
    const row = result.valid ? await this.profiles.findByNormalizedNickname(result.normalized) : null;
    if (!row) throw new NotFoundException('Nickname not found');
    return this.lookup(row);
  }

  private async byAddress(rawAddress: string): Promise<NicknameLookupResponse | null> {
    const row = await this.profiles.findNicknameByAddress(parseAddress(rawAddress));
    return row ? this.lookup(row) : null;
  }

  private lookup(row: { address: string; nickname: string }): NicknameLookupResponse {
    return { address: row.address, nickname: row.nickname, ens: ensName(row.nickname, this.ensDomain) };
  }
}
