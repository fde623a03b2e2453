import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CryptoError,
  derivePasswordSecrets,
  generateKeyPair,
  kdfParamsForMemory,
  loadInstanceKey,
  newSalt,
  open,
  openWithPrivateKey,
  publicKeyOf,
  randomBytes,
  randomTokenSource,
  seal,
  sealToPublicKey,
  subKey,
} from './index.ts';

describe('sealing (AES-256-GCM)', () => {
  it('round-trips any bytes and refuses tampering, a wrong key or wrong associated data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string(), (bytes, aad) => {
        const key = randomBytes(32);
        const sealed = seal(key, Buffer.from(bytes), aad);
        assert.deepEqual(open(key, sealed, aad), Buffer.from(bytes));
        assert.throws(() => open(randomBytes(32), sealed, aad), CryptoError);
        assert.throws(() => open(key, sealed, `${aad}x`), CryptoError);
        const flipped = Buffer.from(sealed);
        const i = 1 + (bytes.length % (flipped.length - 1));
        flipped[i] = flipped[i]! ^ 1;
        assert.throws(() => open(key, flipped, aad), CryptoError);
      }),
      { numRuns: 200 },
    );
  });

  it('never seals the same plaintext to the same bytes', () => {
    const key = randomBytes(32);
    assert.notDeepEqual(seal(key, Buffer.from('same')), seal(key, Buffer.from('same')));
  });

  it('refuses garbage instead of crashing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        assert.throws(() => open(randomBytes(32), Buffer.from(bytes)), CryptoError);
      }),
    );
  });
});

describe('X25519 sealed boxes', () => {
  it('only the recipient opens a box sealed to its public key', () => {
    const alice = generateKeyPair();
    const bob = generateKeyPair();
    assert.deepEqual(publicKeyOf(alice.privateKey), alice.publicKey);
    const box = sealToPublicKey(alice.publicKey, Buffer.from('report data key'), 'report:1');
    assert.equal(openWithPrivateKey(alice.privateKey, box, 'report:1').toString(), 'report data key');
    assert.throws(() => openWithPrivateKey(bob.privateKey, box, 'report:1'), CryptoError);
    assert.throws(() => openWithPrivateKey(alice.privateKey, box, 'report:2'), CryptoError);
  });
});

describe('password derivation (scrypt)', () => {
  it('uses 64 MiB by default and gives different keys for verifying and wrapping', async () => {
    const params = kdfParamsForMemory(64);
    assert.equal(128 * 2 ** params.logN * params.r, 64 * 1024 * 1024);
    const salt = newSalt();
    const a = await derivePasswordSecrets('hunter2 hunter2', salt, kdfParamsForMemory(2));
    const b = await derivePasswordSecrets('hunter2 hunter2', salt, kdfParamsForMemory(2));
    const c = await derivePasswordSecrets('hunter3 hunter3', salt, kdfParamsForMemory(2));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.verifier, c.verifier);
    assert.notDeepEqual(a.verifier, a.wrappingKey);
  });

  it('runs off the event loop: timers keep firing during a 64 MiB derivation', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    await derivePasswordSecrets('a long enough password', newSalt(), kdfParamsForMemory(64));
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // If the derivation blocked the loop, no tick could run until it finished.
    assert.ok(ticks >= Math.floor(elapsed / 5 / 4), `only ${ticks} ticks in ${elapsed.toFixed(0)} ms`);
  });
});

describe('the instance key', () => {
  it('is created once with mode 0600 and read back; sub-keys differ per purpose', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-key-'));
    const a = loadInstanceKey(undefined, dir);
    const b = loadInstanceKey(undefined, dir);
    assert.deepEqual(a, b);
    assert.equal(fs.statSync(path.join(dir, 'instance.key')).mode & 0o777, 0o600);
    assert.notDeepEqual(subKey(a, 'csrf'), subKey(a, 'audit'));
    const fromEnv = loadInstanceKey(randomBytes(32).toString('base64url'), dir);
    assert.notDeepEqual(fromEnv, a);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('pooled random tokens', () => {
  it('gives tokens of the asked size, all different, across pool refills', () => {
    const next = randomTokenSource(9);
    const tokens = Array.from({ length: 2000 }, next);
    for (const t of tokens) assert.match(t, /^[A-Za-z0-9_-]{12}$/);
    assert.equal(new Set(tokens).size, tokens.length);
  });
});
