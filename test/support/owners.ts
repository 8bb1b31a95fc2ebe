import { randomBytes } from 'node:crypto';
import type { PrivateKeyAccount } from 'viem/accounts';
import { newAccount, signIn } from './auth';
import type { TestApp } from './test-app';

/** A wallet that signed in to the app: profile writes for `address` carry `headers`. */
export interface Owner {
  account: PrivateKeyAccount;
  /** EIP-55 checksummed (mixed case), as a wallet hands it to the frontend. */
  address: `0x${string}`;
  /** The stored form. */
  lower: string;
  headers: { authorization: string };
}

/**
 * Signs in a wallet (a fresh key unless given) at the app's current time, so a suite that moved
 * `t.clock` past a session's expiry calls this again for the same account.
 */
export async function signInOwner(t: TestApp, account: PrivateKeyAccount = newAccount()): Promise<Owner> {
  const session = await signIn(t.url, account, { issuedAt: t.clock.now() });
  return { account, address: account.address, lower: account.address.toLowerCase(), headers: session.headers };
}

/** Signs in `count` wallets, a few at a time (each sign-in is a nonce and a verify). */
export async function signInOwners(t: TestApp, count: number): Promise<Owner[]> {
  const owners: Owner[] = [];
  while (owners.length < count) {
    const batch = Math.min(10, count - owners.length);
    owners.push(...(await Promise.all(Array.from({ length: batch }, () => signInOwner(t)))));
  }
  return owners;
}

/** A well-formed address nobody signed in with (for reads, and for rows seeded straight into the table). */
export const randomAddress = (): string => `0x${randomBytes(20).toString('hex')}`;

/** The profile row as stored, every column, for asserting on what a request left behind. */
export interface ProfileRow {
  address: string;
  nickname: string | null;
  nickname_normalized: string | null;
  avatar_style: string | null;
  avatar_selection: string | null;
  avatar_variant: number | null;
  nickname_change_count: number;
  last_nickname_change: Date | null;
  created_at: Date;
  updated_at: Date;
}

export async function profileRow(t: TestApp, address: string): Promise<ProfileRow | null> {
  const [row] = await t.db.query<ProfileRow>('select * from profiles where address = $1', [address.toLowerCase()]);
  return row ?? null;
}
