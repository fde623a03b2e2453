/**
 * Shamir's secret sharing over GF(2^8) (the AES field, polynomial x^8 + x^4 + x^3 + x + 1), byte by
 * byte: each byte of the secret is the constant term of its own random polynomial of degree M - 1,
 * and share i holds the value of every polynomial at x = i. Any M shares give the secret back by
 * Lagrange interpolation at 0; fewer reveal nothing about it (every secret is equally consistent
 * with them). Used for the organisation recovery key (modules/cases/recovery.service.ts).
 *
 * A share is its index byte (1..255) followed by one byte per secret byte. Shares carry no
 * integrity check of their own: they are always stored sealed (AES-GCM), which authenticates them.
 * Table lookups are not constant time; the shares are combined on the server, in memory, rarely,
 * and never on input an attacker can time repeatedly.
 */
import crypto from 'node:crypto';

export const MAX_SHARES = 20;
export const SECRET_BYTES = 32;

const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    // Multiply by the generator 3: x * 2 (reduced) xor x.
    let x2 = x << 1;
    if (x2 & 0x100) x2 ^= 0x11b;
    x = x2 ^ x;
  }
  for (let i = 255; i < 510; i++) EXP[i] = EXP[i - 255]!;
}

export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[LOG[a]! + LOG[b]!]!;
}

export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero in GF(256)');
  if (a === 0) return 0;
  return EXP[LOG[a]! + 255 - LOG[b]!]!;
}

export class ShamirError extends Error {}

/** Evaluates the polynomial with coefficients c (c[0] the constant term) at x (Horner). */
export function evaluate(c: Uint8Array, x: number): number {
  let y = 0;
  for (let k = c.length - 1; k >= 0; k--) y = gfMul(y, x) ^ c[k]!;
  return y;
}

/**
 * Splits a 32-byte secret into `shares` shares, any `threshold` of which rebuild it
 * (2 <= threshold <= shares <= 20). Share indices are 1..shares.
 */
export function splitSecret(secret: Buffer, shares: number, threshold: number): Buffer[] {
  if (!Buffer.isBuffer(secret) || secret.length !== SECRET_BYTES)
    throw new ShamirError(`the secret must be ${SECRET_BYTES} bytes`);
  if (!Number.isInteger(shares) || !Number.isInteger(threshold))
    throw new ShamirError('share count and threshold must be integers');
  if (threshold < 2 || threshold > shares || shares > MAX_SHARES)
    throw new ShamirError(`need 2 <= threshold <= shares <= ${MAX_SHARES}`);
  const out = Array.from({ length: shares }, (_, i) => {
    const b = Buffer.alloc(1 + SECRET_BYTES);
    b[0] = i + 1;
    return b;
  });
  const coefficients = new Uint8Array(threshold);
  const random = crypto.randomBytes(SECRET_BYTES * (threshold - 1));
  for (let byte = 0; byte < SECRET_BYTES; byte++) {
    coefficients[0] = secret[byte]!;
    for (let k = 1; k < threshold; k++) coefficients[k] = random[byte * (threshold - 1) + k - 1]!;
    for (const share of out) share[1 + byte] = evaluate(coefficients, share[0]!);
  }
  coefficients.fill(0);
  random.fill(0);
  return out;
}

/**
 * Rebuilds the secret from shares (at least the threshold; the caller knows it, shares do not).
 * Refuses duplicate or zero indices and shares of different lengths. With fewer shares than the
 * threshold the result is a wrong secret, not an error: nothing in the shares tells them apart.
 */
export function combineShares(shares: readonly Buffer[]): Buffer {
  if (!Array.isArray(shares) || shares.length < 2) throw new ShamirError('need at least two shares');
  if (shares.length > 255) throw new ShamirError('too many shares');
  const length = shares[0]?.length ?? 0;
  if (length < 2) throw new ShamirError('malformed share');
  const xs = new Set<number>();
  for (const s of shares) {
    if (!Buffer.isBuffer(s) || s.length !== length) throw new ShamirError('shares differ in length');
    const x = s[0]!;
    if (x === 0) throw new ShamirError('share index 0 is not allowed');
    if (xs.has(x)) throw new ShamirError('duplicate share index');
    xs.add(x);
  }
  // Lagrange basis at 0: l_i(0) = prod_{j != i} x_j / (x_j - x_i); subtraction is xor in GF(2^8).
  const basis = shares.map((si, i) => {
    let num = 1;
    let den = 1;
    shares.forEach((sj, j) => {
      if (i === j) return;
      num = gfMul(num, sj[0]!);
      den = gfMul(den, sj[0]! ^ si[0]!);
    });
    return gfDiv(num, den);
  });
  const secret = Buffer.alloc(length - 1);
  for (let byte = 1; byte < length; byte++) {
    let y = 0;
    for (let i = 0; i < shares.length; i++) y ^= gfMul(shares[i]![byte]!, basis[i]!);
    secret[byte - 1] = y;
  }
  return secret;
}
