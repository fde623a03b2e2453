/**
 * Proof of work against scripted floods, with no tracking. A challenge is stateless (a random
 * value, when it was issued and when it expires, authenticated by a key outside the database).
 * A browser with JavaScript finds a nonce such that SHA-256(challenge ":" nonce) starts with
 * `bits` zero bits (assets/report-pow.js; about 65,000 hashes at 16 bits: well under a second on a
 * cheap phone). A browser without JavaScript sends no nonce: it is accepted once the challenge is
 * at least FALLBACK_MIN_AGE_MS old (a person reading the review page takes longer) and while the
 * stricter fallback budget of this node lasts. Each challenge is accepted once per node.
 */
import crypto from 'node:crypto';
import { constantTimeEqual, hmac } from '../../platform/crypto/index.ts';
import { RateLimiter } from '../../platform/http/throttle.ts';

export const CHALLENGE_TTL_MS = 2 * 3_600_000;
export const FALLBACK_MIN_AGE_MS = 3_000;

export type PowVerdict =
  | 'ok'
  | 'ok-fallback'
  | 'missing'
  | 'invalid'
  | 'expired'
  | 'reused'
  | 'too-soon'
  | 'busy';

export class ProofOfWork {
  private readonly used = new Map<string, number>();
  private readonly fallback: RateLimiter;

  constructor(
    private readonly key: Buffer,
    readonly bits: number,
    private readonly now: () => number,
    fallbackBudget: { burst: number; perSecond: number } = { burst: 60, perSecond: 2 },
  ) {
    this.fallback = new RateLimiter(fallbackBudget.burst, fallbackBudget.perSecond, now);
  }

  issue(): string {
    const head = Buffer.alloc(24);
    head.writeBigUInt64BE(BigInt(this.now()), 0);
    crypto.randomFillSync(head, 8, 16);
    const tag = hmac(this.key, head).subarray(0, 16);
    return `${head.toString('base64url')}.${tag.toString('base64url')}`;
  }

  /** Checks a challenge and nonce; a nonce of undefined or '' is the no-JavaScript fallback. */
  verify(challenge: string | undefined, nonce: string | undefined): PowVerdict {
    if (!challenge) return 'missing';
    const issuedAt = this.issuedAt(challenge);
    if (issuedAt === undefined) return 'invalid';
    const now = this.now();
    if (now - issuedAt > CHALLENGE_TTL_MS || issuedAt > now + 60_000) return 'expired';
    if (this.used.has(challenge)) return 'reused';
    let verdict: PowVerdict;
    if (this.bits === 0) verdict = 'ok';
    else if (nonce && nonce.length <= 32) {
      verdict =
        leadingZeroBits(crypto.createHash('sha256').update(`${challenge}:${nonce}`).digest()) >= this.bits
          ? 'ok'
          : 'invalid';
    } else if (now - issuedAt < FALLBACK_MIN_AGE_MS) verdict = 'too-soon';
    else verdict = this.fallback.take() ? 'ok-fallback' : 'busy';
    if (verdict === 'ok' || verdict === 'ok-fallback') this.markUsed(challenge, issuedAt);
    return verdict;
  }

  private issuedAt(challenge: string): number | undefined {
    const dot = challenge.indexOf('.');
    if (dot < 0 || challenge.length > 80) return undefined;
    const head = Buffer.from(challenge.slice(0, dot), 'base64url');
    const tag = Buffer.from(challenge.slice(dot + 1), 'base64url');
    if (head.length !== 24 || !constantTimeEqual(tag, hmac(this.key, head).subarray(0, 16))) return undefined;
    return Number(head.readBigUInt64BE(0));
  }

  private markUsed(challenge: string, issuedAt: number): void {
    this.used.set(challenge, issuedAt + CHALLENGE_TTL_MS);
    if (this.used.size > 50_000) {
      const now = this.now();
      for (const [c, until] of this.used) if (until < now) this.used.delete(c);
    }
  }
}

export function leadingZeroBits(digest: Buffer): number {
  let n = 0;
  for (const byte of digest) {
    if (byte === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(byte) - 24;
  }
  return n;
}

/** Solves a challenge (tests and the bench's load generator; browsers run assets/report-pow.js). */
export function solve(challenge: string, bits: number): string {
  for (let i = 0; ; i++) {
    const nonce = i.toString(36);
    if (leadingZeroBits(crypto.createHash('sha256').update(`${challenge}:${nonce}`).digest()) >= bits)
      return nonce;
  }
}
