import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { combineShares, evaluate, gfDiv, gfMul, ShamirError, splitSecret } from './shamir.ts';

const secretArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((u) => Buffer.from(u));
/** A threshold M and share count N with 2 <= M <= N <= 20. */
const schemeArb = fc
  .integer({ min: 2, max: 20 })
  .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 2, max: n })));

/** A random subset of `k` distinct positions out of `n`. */
const pick = <T>(items: T[], k: number, seed: number): T[] => {
  const copy = [...items];
  let s = seed >>> 0 || 1;
  for (let i = copy.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, k);
};

describe('Shamir secret sharing over GF(256)', () => {
  it('has a field where every non-zero element has an inverse', () => {
    for (let a = 1; a < 256; a++) {
      assert.equal(gfMul(a, gfDiv(1, a)), 1);
      assert.equal(gfMul(a, 1), a);
      assert.equal(gfMul(a, 0), 0);
    }
    // The AES field: {57} x {83} = {c1} (FIPS-197 section 4.2).
    assert.equal(gfMul(0x57, 0x83), 0xc1);
  });

  it('rebuilds the secret from any M of N shares', () => {
    fc.assert(
      fc.property(
        secretArb,
        schemeArb,
        fc.integer(),
        fc.integer({ min: 0, max: 20 }),
        (secret, [n, m], seed, extra) => {
          const shares = splitSecret(secret, n, m);
          assert.equal(shares.length, n);
          for (const s of shares) assert.equal(s.length, 33);
          assert.deepEqual(new Set(shares.map((s) => s[0])).size, n);
          const k = Math.min(n, m + (extra % (n - m + 1)));
          assert.deepEqual(combineShares(pick(shares, k, seed)), secret);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives a wrong secret from M - 1 shares', () => {
    fc.assert(
      fc.property(
        secretArb,
        schemeArb.filter(([, m]) => m >= 3),
        fc.integer(),
        (secret, [n, m], seed) => {
          const shares = splitSecret(secret, n, m);
          // Wrong with probability 1 - 2^-256: a match would mean every byte happened to agree.
          assert.notDeepEqual(combineShares(pick(shares, m - 1, seed)), secret);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reveals nothing with M - 1 shares: every secret is consistent with them', () => {
    // For M - 1 shares and one more point at an unused index, the interpolated constant term is a
    // bijection of that point's value. So each of the 256 values of every secret byte is reached by
    // exactly one polynomial of degree M - 1 through the shares held: they favour no secret.
    fc.assert(
      fc.property(secretArb, schemeArb, fc.integer(), (secret, [n, m], seed) => {
        const held = pick(splitSecret(secret, n, m), m - 1, seed);
        const used = new Set(held.map((s) => s[0]));
        const x = [...Array(255).keys()].map((i) => i + 1).find((i) => !used.has(i))!;
        const reached = Array.from({ length: 32 }, () => new Set<number>());
        for (let v = 0; v < 256; v++) {
          const extra = Buffer.alloc(33, v);
          extra[0] = x;
          const candidate = combineShares([...held, extra]);
          for (let i = 0; i < 32; i++) reached[i]!.add(candidate[i]!);
        }
        for (const r of reached) assert.equal(r.size, 256);
      }),
      { numRuns: 40 },
    );
  });

  it('evaluates a polynomial at 0 to its constant term', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (c) => {
        assert.equal(evaluate(c, 0), c[0]);
      }),
    );
  });

  it('refuses duplicate indices, zero indices and mismatched shares', () => {
    const secret = crypto.randomBytes(32);
    const shares = splitSecret(secret, 5, 3);
    assert.throws(() => combineShares([shares[0]!, shares[0]!, shares[1]!]), ShamirError);
    const zero = Buffer.from(shares[2]!);
    zero[0] = 0;
    assert.throws(() => combineShares([shares[0]!, shares[1]!, zero]), ShamirError);
    assert.throws(() => combineShares([shares[0]!, shares[1]!.subarray(0, 20)]), ShamirError);
    assert.throws(() => combineShares([shares[0]!]), ShamirError);
    assert.throws(() => combineShares([]), ShamirError);
    assert.throws(() => combineShares([Buffer.alloc(1, 1), Buffer.alloc(1, 2)]), ShamirError);
  });

  it('refuses bad parameters and secrets', () => {
    const secret = crypto.randomBytes(32);
    assert.throws(() => splitSecret(secret, 3, 1), ShamirError);
    assert.throws(() => splitSecret(secret, 2, 3), ShamirError);
    assert.throws(() => splitSecret(secret, 21, 2), ShamirError);
    assert.throws(() => splitSecret(secret, 3.5, 2), ShamirError);
    assert.throws(() => splitSecret(crypto.randomBytes(31), 3, 2), ShamirError);
    assert.throws(() => splitSecret('x'.repeat(32) as unknown as Buffer, 3, 2), ShamirError);
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 30 }), fc.integer({ min: -5, max: 30 }), (n, m) => {
        const ok = m >= 2 && m <= n && n <= 20;
        if (ok) assert.equal(splitSecret(secret, n, m).length, n);
        else assert.throws(() => splitSecret(secret, n, m), ShamirError);
      }),
    );
  });
});
