import { Injectable, Logger } from '@nestjs/common';
import {
  BaseError,
  createPublicClient,
  encodeDeployData,
  erc6492SignatureValidatorAbi,
  erc6492SignatureValidatorByteCode,
  ExecutionRevertedError,
  hashMessage,
  type Hex,
  hexToBool,
  http,
  type PublicClient,
  RawContractError,
  recoverMessageAddress,
  size,
} from 'viem';
import { AppConfig } from '../config/app-config';

export type SignatureVerdict =
  | { kind: 'valid' }
  /** Not this address's signature (a local ECDSA mismatch, or the chain said no). */
  | { kind: 'mismatch' }
  /** Not an EOA signature, and no CHAIN_RPC_URL to ask the account. */
  | { kind: 'needs-rpc' }
  /** The message names a chain other than the one CHAIN_RPC_URL serves. */
  | { kind: 'wrong-chain'; rpcChainId: number };

/** The chain could not be asked (RPC down, slow, erroring): the server's problem, never the caller's. */
export class SignatureVerificationUnavailableError extends Error {
  constructor(readonly cause: unknown) {
    super('Signature verification unavailable');
    this.name = 'SignatureVerificationUnavailableError';
  }
}

const ECDSA_SIGNATURE_BYTES = 65;

/**
 * Checks that `signature` is `address`'s signature of an EIP-191 message. EOA signatures are
 * recovered locally. Anything else (ERC-1271 deployed smart accounts, ERC-6492 undeployed ones) is
 * asked of the chain through CHAIN_RPC_URL with the ERC-6492 universal validator, deployless: one
 * `eth_call` with no `to`, the validator's creation code plus (address, hash, signature), answering
 * one byte, 0x01 when valid. It is the call viem's verifyHash makes; viem's own helper is not used
 * because it reports any failed call (timeout, refused connection, HTTP 500) as "invalid signature".
 */
@Injectable()
export class SignatureVerifier {
  private readonly logger = new Logger('Auth');
  private readonly rpc: PublicClient | null;
  private rpcChainId: Promise<number> | null = null;

  constructor(config: AppConfig) {
    const { chainRpcUrl, chainRpcTimeoutMs, eoaOnly } = config.auth;
    if (eoaOnly) this.logger.warn('SIWE_EOA_ONLY=true: only EOAs can sign in; passkey smart-account signatures are refused');
    this.rpc = chainRpcUrl
      ? createPublicClient({
          // No retries: the timeout is the whole budget for one verification step.
          transport: http(chainRpcUrl, { timeout: chainRpcTimeoutMs, retryCount: 0 }),
          ccipRead: false,
        })
      : null;
  }

  async verify(address: Hex, message: string, signature: Hex, chainId: number): Promise<SignatureVerdict> {
    if (await this.recoversLocally(address, message, signature)) return { kind: 'valid' };
    if (!this.rpc) return { kind: size(signature) === ECDSA_SIGNATURE_BYTES ? 'mismatch' : 'needs-rpc' };
    const rpcChainId = await this.chainIdOf(this.rpc);
    if (rpcChainId !== chainId) return { kind: 'wrong-chain', rpcChainId };
    return (await this.validOnChain(this.rpc, address, hashMessage(message), signature)) ? { kind: 'valid' } : { kind: 'mismatch' };
  }

  private async recoversLocally(address: Hex, message: string, signature: Hex): Promise<boolean> {
    if (size(signature) !== ECDSA_SIGNATURE_BYTES) return false;
    try {
      return (await recoverMessageAddress({ message, signature })).toLowerCase() === address;
    } catch {
      return false; // not a valid secp256k1 signature (bad v, r or s)
    }
  }

  /** The RPC's chain id, asked once per process (again only after a failure). */
  private async chainIdOf(rpc: PublicClient): Promise<number> {
    this.rpcChainId ??= rpc.getChainId();
    try {
      return await this.rpcChainId;
    } catch (err) {
      this.rpcChainId = null;
      throw this.unavailable(err);
    }
  }

  private async validOnChain(rpc: PublicClient, address: Hex, hash: Hex, signature: Hex): Promise<boolean> {
    let data: Hex | undefined;
    try {
      ({ data } = await rpc.call({
        data: encodeDeployData({
          abi: erc6492SignatureValidatorAbi,
          bytecode: erc6492SignatureValidatorByteCode,
          args: [address, hash, signature],
        }),
      }));
    } catch (err) {
      // A revert is the validator's "no" (e.g. the account's check reverted); anything else is the RPC failing.
      if (isRevert(err)) return false;
      throw this.unavailable(err);
    }
    try {
      return hexToBool(data ?? '0x');
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  private unavailable(err: unknown): SignatureVerificationUnavailableError {
    // shortMessage only: viem's full message embeds the RPC URL, which may carry an API key.
    const detail = err instanceof BaseError ? `${err.name}: ${err.shortMessage}` : err instanceof Error ? err.name : 'unknown error';
    this.logger.warn(`Smart-account signature check failed at the chain RPC (${detail})`);
    return new SignatureVerificationUnavailableError(err);
  }
}

function isRevert(err: unknown): boolean {
  return (
    err instanceof BaseError &&
    err.walk((e) => e instanceof ExecutionRevertedError || e instanceof RawContractError) !== null
  );
}
