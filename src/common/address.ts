import { BadRequestException } from '@nestjs/common';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
export const INVALID_ADDRESS = 'Invalid address format';

export function isAddress(value: unknown): boolean {
  return typeof value === 'string' && ADDRESS.test(value);
}

/** Parses an address in any case into the stored lowercase form, or throws the contract's 400. */
export function parseAddress(value: unknown): string {
  if (!isAddress(value)) throw new BadRequestException(INVALID_ADDRESS);
  return (value as string).toLowerCase();
}
