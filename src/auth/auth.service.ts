import { randomBytes } from 'node:crypto';
import { BadRequestException, HttpStatus, Injectable } from '@nestjs/common';
import type { Hex } from 'viem';
import { Clock } from '../common/clock';
import { JsonHttpException } from '../common/errors';
import { RETRY_AFTER_SECONDS } from '../common/http-exception.filter';
import { AppConfig } from '../config/app-config';
import { NonceRecord, NonceRepository } from './nonce.repository';
import { IssuedSession, SessionService } from './session.service';
import { SignatureVerificationUnavailableError, SignatureVerifier } from './signature-verifier.service';
import { checkSiweMessage, SIWE_ERRORS, SiwePolicy } from './siwe.rules';

export const NONCE_TTL_MS = 10 * 60_000;
/** Expired nonces are kept a while so a late sign-in hears "Nonce expired", not "Unknown nonce". */
const NONCE_RETENTION_MS = 60 * 60_000;
/** Signature checks one nonce allows: each may cost a chain RPC call, and a typo must not lock the user out. */
export const MAX_SIGNATURE_ATTEMPTS = 5;

/** Every refusal of a sign-in, by cause (401 unless the status says otherwise). */
export const AUTH_ERRORS = {
  ...SIWE_ERRORS,
  unknownNonce: 'Unknown nonce',
  usedNonce: 'Nonce already used',
  expiredNonce: 'Nonce expired',
  tooManyAttempts: 'Too many attempts for this nonce',
  signatureMismatch: 'Signature does not match address',
  needsRpc: 'Smart-account signatures (ERC-1271/ERC-6492) cannot be verified: this server has no CHAIN_RPC_URL',
  unavailable: 'Signature verification unavailable',
} as const;

const unauthorized = (error: string) => new JsonHttpException(HttpStatus.UNAUTHORIZED, { error });

/** Sign-In with Ethereum (EIP-4361): nonces, message rules, signature checks, then a session. */
@Injectable()
export class AuthService {
  private readonly policy: SiwePolicy;

  constructor(
    private readonly nonces: NonceRepository,
    private readonly sessions: SessionService,
    private readonly signatures: SignatureVerifier,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.policy = {
      domains: new Set(config.auth.siweDomains),
      chainIds: new Set(config.auth.siweChainIds),
      skewMs: config.auth.clockSkewSeconds * 1000,
      loopbackHttp: !config.isProduction,
    };
  }

  /** A random single-use nonce, valid for ten minutes, stored so any instance can verify it. */
  async issueNonce(): Promise<{ nonce: string; expiresAt: string }> {
    const now = this.clock.now();
    const nonce = randomBytes(16).toString('hex');
    const expiresAt = new Date(now.getTime() + NONCE_TTL_MS);
    await this.nonces.purgeExpiredBefore(new Date(now.getTime() - NONCE_RETENTION_MS));
    await this.nonces.issue(nonce, now, expiresAt);
    return { nonce, expiresAt: expiresAt.toISOString() };
  }

  /**
   * Checks a signed SIWE message and opens a session. Cheap refusals come first (message rules, then
   * whether the nonce can still be used) and spend nothing, so a bad message never costs an RPC call.
   * Each signature check then spends one of the nonce's MAX_SIGNATURE_ATTEMPTS, atomically and in
   * PostgreSQL (so the bound holds across instances and concurrent requests); a check the RPC could
   * not answer gives it back. The nonce is burnt only once the signature is proven, atomically, so
   * one nonce yields at most one session.
   */
  async verify(message: string, signature: Hex): Promise<IssuedSession> {
    const check = checkSiweMessage(message, this.policy, this.clock.now());
    if (!check.ok) {
      const error = SIWE_ERRORS[check.reason];
      throw check.reason === 'malformed' ? new BadRequestException(error) : unauthorized(error);
    }
    const { claims } = check;

    if (!(await this.nonces.startAttempt(claims.nonce, this.clock.now(), MAX_SIGNATURE_ATTEMPTS))) {
      // Or the remaining checks are all in flight at this moment: the same answer.
      throw unauthorized(this.nonceRefusal(await this.nonces.findByNonce(claims.nonce), this.clock.now()) ?? AUTH_ERRORS.tooManyAttempts);
    }

    await this.verifySignature(claims.address, message, signature, claims.chainId, claims.nonce);

    if (!(await this.nonces.burn(claims.nonce, this.clock.now()))) {
      // Lost the race to a concurrent sign-in with the same nonce, or it expired meanwhile.
      throw unauthorized(this.nonceRefusal(await this.nonces.findByNonce(claims.nonce), this.clock.now()) ?? AUTH_ERRORS.usedNonce);
    }
    return this.sessions.start(claims.address, claims.expirationTime);
  }

  private nonceRefusal(nonce: NonceRecord | null, now: Date): string | null {
    if (!nonce) return AUTH_ERRORS.unknownNonce;
    if (nonce.usedAt) return AUTH_ERRORS.usedNonce;
    if (nonce.expiresAt.getTime() <= now.getTime()) return AUTH_ERRORS.expiredNonce;
    if (nonce.attempts >= MAX_SIGNATURE_ATTEMPTS) return AUTH_ERRORS.tooManyAttempts;
    return null;
  }

  /** Throws the refusal unless the signature is `address`'s; a check that reached no verdict is given back to `nonce`. */
  private async verifySignature(address: Hex, message: string, signature: Hex, chainId: number, nonce: string): Promise<void> {
    let verdict;
    try {
      verdict = await this.signatures.verify(address, message, signature, chainId);
    } catch (err) {
      await this.nonces.refundAttempt(nonce);
      if (err instanceof SignatureVerificationUnavailableError) {
        throw new JsonHttpException(
          HttpStatus.SERVICE_UNAVAILABLE,
          { error: AUTH_ERRORS.unavailable },
          { 'retry-after': RETRY_AFTER_SECONDS },
        );
      }
      throw err;
    }
    switch (verdict.kind) {
      case 'valid':
        return;
      case 'mismatch':
        throw unauthorized(AUTH_ERRORS.signatureMismatch);
      case 'needs-rpc':
        throw unauthorized(AUTH_ERRORS.needsRpc);
      case 'wrong-chain':
        throw unauthorized(`Smart-account signatures can only be verified on chain ${verdict.rpcChainId} (CHAIN_RPC_URL)`);
    }
  }
}
