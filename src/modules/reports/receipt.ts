/**
 * Receipt codes: the reporter's only way back to a report. 20 Crockford base32 characters = 100
 * bits from the CSPRNG (the issue asks for at least 80), shown in five groups of four for reading
 * aloud. Entry is forgiving: case is ignored, spaces and dashes are dropped, and the confusable
 * letters are folded (O -> 0, I and L -> 1, U -> V), as Crockford's alphabet intends.
 */
import crypto from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECEIPT_LENGTH = 20;
export const RECEIPT_BITS = RECEIPT_LENGTH * 5;

export function newReceiptCode(): string {
  const bytes = crypto.randomBytes(RECEIPT_LENGTH);
  let code = '';
  // 256 is a multiple of 32, so taking the low five bits of each byte is unbiased.
  for (const b of bytes) code += ALPHABET[b & 31];
  return code;
}

/** The canonical form of what someone typed, or undefined when it cannot be a receipt code. */
export function normaliseReceiptCode(input: string): string | undefined {
  const folded = input
    .toUpperCase()
    .replace(/[\s\-_.·•‐-―]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
    .replace(/U/g, 'V');
  if (folded.length !== RECEIPT_LENGTH) return undefined;
  for (const ch of folded) if (!ALPHABET.includes(ch)) return undefined;
  return folded;
}

/** "ABCD EFGH JKMN PQRS TVWX": groups of four for reading aloud and writing down. */
export function formatReceiptCode(code: string): string {
  return code.match(/.{1,4}/g)?.join(' ') ?? code;
}

/** A short reference number for staff and letters (not secret, not the receipt): R-XXXX-XXXX. */
export function newReference(): string {
  const bytes = crypto.randomBytes(8);
  let s = '';
  for (const b of bytes) s += ALPHABET[b & 31];
  return `R-${s.slice(0, 4)}-${s.slice(4)}`;
}
