import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  decodeAbiParameters,
  encodeAbiParameters,
  erc6492SignatureValidatorByteCode,
  type Hex,
  isErc6492Signature,
  parseErc6492Signature,
  recoverAddress,
} from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';

/** bytes4(keccak256("isValidSignature(bytes32,bytes)")): ERC-1271's "valid". */
export const ERC1271_MAGIC = '0x1626ba7e';
const ERC1271_REFUSED = '0xffffffff';

/**
 * How the stub chain behaves. `valid`: accounts check their owner's signature (magic value when it
 * matches); `bad`: every account answers 0xffffffff; `revert`: eth_call reverts; `http-error`: the
 * RPC answers HTTP 502; `rate-limited`: a JSON-RPC -32005 error; `hang`: eth_call never answers.
 */
export type StubMode = 'valid' | 'bad' | 'revert' | 'http-error' | 'rate-limited' | 'hang';

export interface ValidatorCall {
  signer: Hex;
  hash: Hex;
  signature: Hex;
  /** Set when the signature was ERC-6492-wrapped: the factory the validator would deploy through. */
  deployedBy?: { factory: Hex; factoryData: Hex };
}

/**
 * The smart-account signature format of the stub's wallets (shaped like Coinbase Smart Wallet's
 * SignatureWrapper): abi.encode(uint256 ownerIndex, bytes ownerSignature).
 */
export async function smartAccountSignature(owner: PrivateKeyAccount, message: string): Promise<Hex> {
  const ownerSignature = await owner.signMessage({ message });
  return encodeAbiParameters([{ type: 'uint256' }, { type: 'bytes' }], [0n, ownerSignature]);
}

/**
 * A local JSON-RPC STUB standing in for a chain node (the one thing the tests cannot run). It answers
 * eth_chainId, and the eth_call viem makes to verify a smart-account signature: no `to`, the ERC-6492
 * universal validator's creation code followed by abi.encode(signer, hash, signature). Like the real
 * validator it unwraps an ERC-6492 signature (counterfactual deploy), asks the account's
 * isValidSignature(hash, signature) when the signer is a known contract, ecrecovers otherwise, and
 * returns one byte: 0x01 valid, 0x00 not.
 */
export class RpcStub {
  mode: StubMode = 'valid';
  /** Every validator eth_call received, decoded. */
  readonly validatorCalls: ValidatorCall[] = [];
  readonly methods: string[] = [];
  private readonly accounts = new Map<string, PrivateKeyAccount>();
  private server: Server | null = null;
  private readonly hanging = new Set<ServerResponse>();

  constructor(readonly chainId: number) {}

  /** Registers a smart account at `address` whose owner is `owner`. */
  addAccount(address: Hex, owner: PrivateKeyAccount): void {
    this.accounts.set(address.toLowerCase(), owner);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const { id, method, params } = JSON.parse(raw) as { id: number; method: string; params: unknown[] };
    this.methods.push(method);
    const reply = (body: Record<string, unknown>) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, ...body }));
    };

    if (method === 'eth_chainId') return reply({ result: `0x${this.chainId.toString(16)}` });
    if (method !== 'eth_call') return reply({ error: { code: -32601, message: `method ${method} not found` } });

    const call = this.decodeValidatorCall((params[0] as { data?: Hex; to?: Hex }) ?? {});
    if (!call) return reply({ error: { code: -32602, message: 'stub: not an ERC-6492 validator call' } });
    this.validatorCalls.push(call);

    switch (this.mode) {
      case 'hang':
        this.hanging.add(res);
        return;
      case 'http-error':
        res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
        return;
      case 'rate-limited':
        return reply({ error: { code: -32005, message: 'limit exceeded' } });
      case 'revert':
        return reply({ error: { code: 3, message: 'execution reverted', data: '0x' } });
      default:
        return reply({ result: (await this.isValid(call)) ? '0x01' : '0x00' });
    }
  }

  private decodeValidatorCall(tx: { data?: Hex; to?: Hex }): ValidatorCall | null {
    if (tx.to !== undefined || !tx.data?.startsWith(erc6492SignatureValidatorByteCode)) return null;
    const [signer, hash, signature] = decodeAbiParameters(
      [{ type: 'address' }, { type: 'bytes32' }, { type: 'bytes' }],
      `0x${tx.data.slice(erc6492SignatureValidatorByteCode.length)}`,
    );
    if (!isErc6492Signature(signature)) return { signer, hash, signature };
    const unwrapped = parseErc6492Signature(signature);
    return {
      signer,
      hash,
      signature: unwrapped.signature,
      deployedBy: { factory: unwrapped.address!, factoryData: unwrapped.data! },
    };
  }

  /** What the validator would conclude for this call, given the stub's accounts and mode. */
  private async isValid(call: ValidatorCall): Promise<boolean> {
    const owner = this.accounts.get(call.signer.toLowerCase());
    if (!owner) return recovers(call.hash, call.signature, call.signer);
    return (await this.isValidSignature(owner, call)) === ERC1271_MAGIC;
  }

  /** The account contract's ERC-1271 answer (bytes4). */
  private async isValidSignature(owner: PrivateKeyAccount, call: ValidatorCall): Promise<Hex> {
    if (this.mode === 'bad') return ERC1271_REFUSED;
    try {
      const [, ownerSignature] = decodeAbiParameters([{ type: 'uint256' }, { type: 'bytes' }], call.signature);
      return (await recovers(call.hash, ownerSignature, owner.address)) ? ERC1271_MAGIC : ERC1271_REFUSED;
    } catch {
      return ERC1271_REFUSED;
    }
  }
}

async function recovers(hash: Hex, signature: Hex, expected: Hex): Promise<boolean> {
  try {
    return (await recoverAddress({ hash, signature })).toLowerCase() === expected.toLowerCase();
  } catch {
    return false;
  }
}
