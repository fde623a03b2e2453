/**
 * The only code in Vigil that touches keys and ciphers. Everything here is node:crypto:
 * AES-256-GCM for sealing, X25519 + HKDF for public-key sealing, scrypt (memory-hard, run on the
 * libuv thread pool, never on the event loop) for passwords, HMAC-SHA-256 for keyed hashes.
 */
import crypto from 'node:crypto';

const SEAL_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function randomBytes(n: number): Buffer {
  return crypto.randomBytes(n);
}

/** A random token as unpadded base64url. 32 bytes = 256 bits unless told otherwise. */
export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/**
 * randomToken(bytes) for hot paths (a request id on every request): the random bytes are drawn
 * from the CSPRNG 4 KiB at a time instead of one call per token. Same format, same randomness.
 */
export function randomTokenSource(bytes: number): () => string {
  const pool = Buffer.alloc(Math.max(1, Math.floor(4096 / bytes)) * bytes);
  let offset = pool.length;
  return () => {
    if (offset === pool.length) {
      crypto.randomFillSync(pool);
      offset = 0;
    }
    const token = pool.toString('base64url', offset, offset + bytes);
    offset += bytes;
    return token;
  };
}

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function hmac(key: Buffer, data: string | Buffer): Buffer {
  return crypto.createHmac('sha256', key).update(data).digest();
}

/**
 * HKDF-SHA-256 (RFC 5869) for one 32-byte output: HMAC(HMAC(salt, ikm), info | 0x01). The same
 * bytes as crypto.hkdfSync('sha256', ikm, salt, info, 32), at a third of its cost (hkdfSync makes
 * key objects on every call), which matters on the report intake path.
 */
export function hkdf32(ikm: string | Buffer, salt: string | Buffer, info: string): Buffer {
  const prk = crypto.createHmac('sha256', salt).update(ikm).digest();
  return crypto.createHmac('sha256', prk).update(info).update(ONE).digest();
}
const ONE = Buffer.from([1]);

export function constantTimeEqual(a: Buffer | string, b: Buffer | string): boolean {
  const x = Buffer.isBuffer(a) ? a : Buffer.from(a);
  const y = Buffer.isBuffer(b) ? b : Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export class CryptoError extends Error {}

// Nonces come from the CSPRNG 4 KiB at a time: one call per seal cost more than the sealing
// itself for the small values report intake seals. Each nonce is fresh random bytes, never reused.
const noncePool = Buffer.alloc(NONCE_BYTES * 341);
let nonceOffset = noncePool.length;

function nextNonce(): Buffer {
  if (nonceOffset === noncePool.length) {
    crypto.randomFillSync(noncePool);
    nonceOffset = 0;
  }
  // A copy: the pool is refilled in place.
  const nonce = Buffer.from(noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES));
  nonceOffset += NONCE_BYTES;
  return nonce;
}

/**
 * Authenticated encryption under a 32-byte key. Output: version(1) | nonce(12) | ciphertext | tag(16).
 * The associated data binds a sealed value to its context (a row id, a purpose) so it cannot be moved.
 */
export function seal(key: Buffer, plaintext: Buffer, associatedData: string = ''): Buffer {
  if (key.length !== 32) throw new CryptoError('seal: key must be 32 bytes');
  const nonce = nextNonce();
  const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([SEAL_VERSION]), nonce, body, cipher.getAuthTag()]);
}

export function open(key: Buffer, sealed: Buffer, associatedData: string = ''): Buffer {
  if (key.length !== 32) throw new CryptoError('open: key must be 32 bytes');
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== SEAL_VERSION) {
    throw new CryptoError('open: not a sealed value');
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new CryptoError('open: authentication failed');
  }
}
