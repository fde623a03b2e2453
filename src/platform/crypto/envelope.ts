/**
 * Envelope encryption for reports (DESIGN.md, "Protecting people"): each report has random data
 * keys; its contents and files are sealed with them; the keys are sealed to the X25519 public key
 * of every staff member cleared to read it, and under a key derived from the reporter's receipt.
 *
 * Wraps are ordinary sealed boxes (keypair.ts: openWithPrivateKey opens them). At intake an
 * ephemeral key pair serves every report of a short window (see ephemeral() below).
 */
import crypto from 'node:crypto';
import { CryptoError, hkdf32, hmac, open, seal } from './primitives.ts';

export interface RecipientPublicKey {
  keyId: string;
  staffId: string;
  publicKey: Buffer;
}

export interface RecipientWrap {
  keyId: string;
  staffId: string;
  /** One sealed box per plaintext given, in the same order. */
  boxes: Buffer[];
}

const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const publicKeyObjects = new Map<string, crypto.KeyObject>();

/** Public KeyObjects are cached: the same few recipients get a wrap for every report. */
function publicKeyObject(raw: Buffer): crypto.KeyObject {
  if (raw.length !== 32) throw new CryptoError('X25519 public key must be 32 bytes');
  const id = raw.toString('base64url');
  let key = publicKeyObjects.get(id);
  if (!key) {
    if (publicKeyObjects.size > 1000) publicKeyObjects.clear();
    key = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    publicKeyObjects.set(id, key);
  }
  return key;
}

/** A new random 32-byte data key. */
export function newDataKey(): Buffer {
  return crypto.randomBytes(32);
}

/**
 * The intake ephemeral: one X25519 key pair shared by the reports sealed within a short window
 * (EPHEMERAL_MAX_AGE_MS or EPHEMERAL_MAX_USES, whichever comes first), with the box key for each
 * recipient computed once per window. Key generation and Diffie-Hellman cost ~170 µs per report
 * otherwise, the largest part of intake. The private half lives only in this process's memory and
 * is dropped at rotation; someone who can read that memory controls the running server and sees
 * reports as they arrive anyway (THREAT_MODEL.md). Every box still has its own random nonce and
 * associated data naming its report, and AES-GCM keys are used far below their message limit.
 */
export const EPHEMERAL_MAX_AGE_MS = 60_000;
export const EPHEMERAL_MAX_USES = 10_000;

interface Ephemeral {
  privateKey: crypto.KeyObject;
  publicKey: Buffer;
  createdAt: number;
  uses: number;
  boxKeys: Map<string, Buffer>;
}

let current: Ephemeral | undefined;

function ephemeral(): Ephemeral {
  const now = Date.now();
  if (!current || current.uses >= EPHEMERAL_MAX_USES || now - current.createdAt > EPHEMERAL_MAX_AGE_MS) {
    const pair = crypto.generateKeyPairSync('x25519');
    current = {
      privateKey: pair.privateKey,
      publicKey: Buffer.from(pair.publicKey.export({ format: 'jwk' }).x as string, 'base64url'),
      createdAt: now,
      uses: 0,
      boxKeys: new Map(),
    };
  }
  current.uses++;
  return current;
}

function boxKeyFor(e: Ephemeral, recipientPublic: Buffer): Buffer {
  const id = recipientPublic.toString('base64url');
  let key = e.boxKeys.get(id);
  if (!key) {
    const shared = crypto.diffieHellman({
      privateKey: e.privateKey,
      publicKey: publicKeyObject(recipientPublic),
    });
    // The same derivation as keypair.ts's sealed box, so openWithPrivateKey opens these.
    key = Buffer.from(
      crypto.hkdfSync(
        'sha256',
        shared,
        Buffer.concat([e.publicKey, recipientPublic]),
        'vigil/sealed-box/v1',
        32,
      ),
    );
    e.boxKeys.set(id, key);
  }
  return key;
}

/**
 * Seals each plaintext to every recipient. Each box opens with
 * openWithPrivateKey(recipient's private key, box, associatedData[i]).
 */
export function sealToRecipients(
  recipients: readonly RecipientPublicKey[],
  plaintexts: readonly Buffer[],
  associatedData: readonly string[],
): { ephemeralPublic: Buffer; wraps: RecipientWrap[] } {
  const e = ephemeral();
  const wraps = recipients.map((r) => {
    const key = boxKeyFor(e, r.publicKey);
    const boxes = plaintexts.map((p, i) =>
      Buffer.concat([e.publicKey, seal(key, p, associatedData[i] ?? '')]),
    );
    return { keyId: r.keyId, staffId: r.staffId, boxes };
  });
  return { ephemeralPublic: e.publicKey, wraps };
}

// ---- Receipt codes ----

/**
 * What the server keeps of a receipt code: a keyed lookup hash (finds the report; useless without
 * the instance key) and a wrapping key derived from the code (opens the report's content key for
 * the reporter). The code has >= 80 bits of entropy, so a fast derivation is enough.
 */
export function receiptSecrets(
  receiptKey: Buffer,
  normalisedCode: string,
): { lookup: string; wrapKey: Buffer } {
  return {
    lookup: hmac(receiptKey, `vigil/receipt-lookup/v1\n${normalisedCode}`).toString('base64url'),
    wrapKey: hkdf32(normalisedCode, receiptKey, 'vigil/receipt-wrap/v1'),
  };
}

/** A key for one purpose derived from a secret the client holds (a draft token, an idempotency key). */
export function clientSecretKeys(serverKey: Buffer, secret: string): { id: string; key: Buffer } {
  return {
    id: hmac(serverKey, `vigil/client-secret-id/v1\n${secret}`).toString('base64url'),
    key: hkdf32(secret, serverKey, 'vigil/client-secret-key/v1'),
  };
}

// ---- Sealed files: a stream of sealed frames, so a file is never whole in memory nor in the clear on disk ----

export const FILE_CHUNK_BYTES = 256 * 1024;
const FILE_MAGIC = Buffer.from('VSF1');

/** The key that seals one file, derived from the report's content key and the file's id. */
export function fileKey(contentKey: Buffer, fileId: string): Buffer {
  return hkdf32(contentKey, fileId, 'vigil/report-file/v1');
}

/**
 * Turns plaintext chunks into sealed frames: MAGIC, then per 256 KiB of plaintext a 4-byte length
 * and a sealed frame whose associated data binds the file id, the frame's position and whether it
 * is the last (so frames cannot be reordered, dropped or the file cut short unnoticed).
 */
export class SealedFileWriter {
  // Plaintext is gathered into one 256 KiB buffer (one copy), and each frame is returned as parts
  // (length and header, ciphertext, tag) for a vectored write, so no byte is copied twice more.
  private readonly pending = Buffer.allocUnsafe(FILE_CHUNK_BYTES);
  private filled = 0;
  private index = 0;
  private started = false;

  constructor(
    private readonly key: Buffer,
    private readonly fileId: string,
  ) {}

  /** Returns the bytes to write for this chunk (possibly none yet), in order. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      out.push(FILE_MAGIC);
    }
    let offset = 0;
    while (offset < chunk.length) {
      // A full buffer is sealed only when more bytes follow, so the last frame is never empty
      // unless the whole file is.
      if (this.filled === FILE_CHUNK_BYTES) {
        out.push(...this.frame(this.pending, false));
        this.filled = 0;
      }
      const n = chunk.copy(this.pending, this.filled, offset);
      this.filled += n;
      offset += n;
    }
    return out;
  }

  /** The last bytes to write: the final frame (possibly empty). */
  finish(): Buffer[] {
    const out: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      out.push(FILE_MAGIC);
    }
    out.push(...this.frame(this.pending.subarray(0, this.filled), true));
    this.filled = 0;
    return out;
  }

  private frame(plain: Buffer, last: boolean): Buffer[] {
    // The same layout as seal(): version | nonce | ciphertext | tag, after a 4-byte length.
    const nonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(`${this.fileId}/${this.index++}/${last ? 1 : 0}`, 'utf8'));
    const body = cipher.update(plain);
    const tail = cipher.final();
    const tag = cipher.getAuthTag();
    const head = Buffer.allocUnsafe(4 + 1 + 12);
    head.writeUInt32BE(1 + 12 + body.length + tail.length + 16, 0);
    head[4] = 1;
    nonce.copy(head, 5);
    return tail.length > 0 ? [head, body, tail, tag] : [head, body, tag];
  }
}

/**
 * Reads sealed frames from a byte stream and yields the plaintext, frame by frame. Throws
 * CryptoError on any tampering, reordering or truncation.
 */
export async function* openSealedFile(
  source: AsyncIterable<Buffer>,
  key: Buffer,
  fileId: string,
): AsyncGenerator<Buffer> {
  let buf: Buffer = Buffer.alloc(0);
  let index = 0;
  let magicSeen = false;
  let ended = false;
  for await (const chunk of source) {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (!magicSeen) {
      if (buf.length < 4) continue;
      if (!buf.subarray(0, 4).equals(FILE_MAGIC)) throw new CryptoError('not a sealed file');
      magicSeen = true;
      buf = buf.subarray(4);
    }
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (len > FILE_CHUNK_BYTES + 64) throw new CryptoError('sealed file frame too large');
      if (buf.length < 4 + len) break;
      if (ended) throw new CryptoError('data after the last frame');
      const frame = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      let plain: Buffer;
      try {
        plain = open(key, frame, `${fileId}/${index}/0`);
      } catch {
        plain = open(key, frame, `${fileId}/${index}/1`);
        ended = true;
      }
      index++;
      if (plain.length > 0) yield plain;
    }
  }
  if (!magicSeen || !ended || buf.length > 0) throw new CryptoError('sealed file is cut short');
}
