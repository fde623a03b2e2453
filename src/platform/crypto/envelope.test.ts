import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  EPHEMERAL_MAX_USES,
  FILE_CHUNK_BYTES,
  fileKey,
  newDataKey,
  openSealedFile,
  SealedFileWriter,
  sealToRecipients,
} from './envelope.ts';
import { generateKeyPair, openWithPrivateKey } from './keypair.ts';
import { CryptoError, hkdf32 } from './primitives.ts';

async function* from(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield p;
}

function sealFile(key: Buffer, id: string, plain: Buffer, cuts: number[]): Buffer {
  const w = new SealedFileWriter(key, id);
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, plain.length]) {
    const end = Math.min(plain.length, Math.max(at, cut));
    out.push(...w.push(plain.subarray(at, end)));
    at = end;
  }
  out.push(...w.finish());
  return Buffer.concat(out);
}

async function openFile(key: Buffer, id: string, sealed: Buffer, chunk = 1000): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < sealed.length; i += chunk) parts.push(sealed.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const p of openSealedFile(from(parts), key, id)) out.push(p);
  return Buffer.concat(out);
}

describe('sealed files', () => {
  const key = fileKey(newDataKey(), 'file-1');

  it('round-trips any size, however the bytes arrive', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          0,
          1,
          FILE_CHUNK_BYTES - 1,
          FILE_CHUNK_BYTES,
          FILE_CHUNK_BYTES + 1,
          3 * FILE_CHUNK_BYTES + 17,
        ),
        fc.array(fc.nat({ max: 4 * FILE_CHUNK_BYTES }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 70_000 }),
        async (size, cuts, readChunk) => {
          const plain = crypto.randomBytes(size);
          const sealed = sealFile(
            key,
            'file-1',
            plain,
            cuts.sort((a, b) => a - b),
          );
          assert.deepEqual(await openFile(key, 'file-1', sealed, readChunk), plain);
          // The plaintext never appears in what is written.
          if (size >= 32) assert.equal(sealed.indexOf(plain.subarray(0, 32)), -1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('detects a cut-off file, swapped frames, another file id and flipped bits', async () => {
    const plain = crypto.randomBytes(3 * FILE_CHUNK_BYTES);
    const sealed = sealFile(key, 'file-1', plain, []);
    const frameLen = 4 + sealed.readUInt32BE(4);
    await assert.rejects(openFile(key, 'file-1', sealed.subarray(0, sealed.length - frameLen)), CryptoError);
    await assert.rejects(openFile(key, 'file-1', sealed.subarray(0, 4 + frameLen)), CryptoError);
    const swapped = Buffer.concat([
      sealed.subarray(0, 4),
      sealed.subarray(4 + frameLen, 4 + 2 * frameLen),
      sealed.subarray(4, 4 + frameLen),
      sealed.subarray(4 + 2 * frameLen),
    ]);
    await assert.rejects(openFile(key, 'file-1', swapped), CryptoError);
    await assert.rejects(openFile(key, 'file-2', sealed), CryptoError);
    const flipped = Buffer.from(sealed);
    flipped[100] = (flipped[100] as number) ^ 1;
    await assert.rejects(openFile(key, 'file-1', flipped), CryptoError);
  });
});

describe('sealing to recipients', () => {
  it('opens with each recipient private key, bound to its purpose, across ephemeral rotations', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const recipients = [
      { keyId: 'ka', staffId: 'sa', publicKey: a.publicKey },
      { keyId: 'kb', staffId: 'sb', publicKey: b.publicKey },
    ];
    const seen = new Set<string>();
    for (let i = 0; i <= EPHEMERAL_MAX_USES; i++) {
      const content = newDataKey();
      const identity = newDataKey();
      const sealed = sealToRecipients(recipients, [content, identity], [`r${i}/content`, `r${i}/identity`]);
      seen.add(sealed.ephemeralPublic.toString('hex'));
      if (i % 997 !== 0 && i < EPHEMERAL_MAX_USES - 2) continue;
      const [wa, wb] = sealed.wraps;
      assert.deepEqual(openWithPrivateKey(a.privateKey, wa!.boxes[0]!, `r${i}/content`), content);
      assert.deepEqual(openWithPrivateKey(b.privateKey, wb!.boxes[1]!, `r${i}/identity`), identity);
      assert.throws(() => openWithPrivateKey(a.privateKey, wa!.boxes[0]!, `r${i}/identity`), CryptoError);
      assert.throws(() => openWithPrivateKey(b.privateKey, wa!.boxes[0]!, `r${i}/content`), CryptoError);
    }
    // The ephemeral key pair is replaced after EPHEMERAL_MAX_USES reports.
    assert.ok(seen.size >= 2, `${seen.size} ephemeral keys`);
  });
});

describe('hkdf32', () => {
  it("gives the same bytes as node's HKDF-SHA-256", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.string({ maxLength: 40 }),
        (ikm, salt, info) => {
          const expected = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, info, 32));
          assert.deepEqual(hkdf32(Buffer.from(ikm), Buffer.from(salt), info), expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
