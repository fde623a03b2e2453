/**
 * X25519 key pairs and sealing to a public key (an "anonymous sealed box"): an ephemeral key
 * pair per message, the shared secret run through HKDF-SHA-256, then AES-256-GCM. Reports seal
 * their data keys to the public keys of the staff cleared to read them.
 */
import crypto from 'node:crypto';
import { CryptoError, open, seal } from './primitives.ts';

export interface RawKeyPair {
  publicKey: Buffer;
  privateKey: Buffer;
}

export function generateKeyPair(): RawKeyPair {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = publicKey.export({ format: 'jwk' });
  return {
    publicKey: Buffer.from(pub.x as string, 'base64url'),
    privateKey: Buffer.from(jwk.d as string, 'base64url'),
  };
}

/** Derives the public key from a raw private key (to check that a key pair belongs together). */
export function publicKeyOf(privateKey: Buffer): Buffer {
  return publicOfObject(privateKeyObject(privateKey));
}

function publicOfObject(key: crypto.KeyObject): Buffer {
  const jwk = crypto.createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url');
}

function privateKeyObject(raw: Buffer): crypto.KeyObject {
  if (raw.length !== 32) throw new CryptoError('X25519 private key must be 32 bytes');
  // PKCS#8 DER prefix for an X25519 private key; the raw 32 bytes follow.
  const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), raw]);
  return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

function publicKeyObject(raw: Buffer): crypto.KeyObject {
  if (raw.length !== 32) throw new CryptoError('X25519 public key must be 32 bytes');
  const der = Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]);
  return crypto.createPublicKey({ key: der, format: 'der', type: 'spki' });
}

function boxKey(shared: Buffer, ephemeralPublic: Buffer, recipientPublic: Buffer): Buffer {
  const salt = Buffer.concat([ephemeralPublic, recipientPublic]);
  return Buffer.from(crypto.hkdfSync('sha256', shared, salt, 'vigil/sealed-box/v1', 32));
}

/** Seals plaintext so that only the holder of recipientPublic's private key can open it. */
export function sealToPublicKey(recipientPublic: Buffer, plaintext: Buffer, associatedData = ''): Buffer {
  const ephemeral = crypto.generateKeyPairSync('x25519');
  const ephemeralPublic = Buffer.from(ephemeral.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const shared = crypto.diffieHellman({
    privateKey: ephemeral.privateKey,
    publicKey: publicKeyObject(recipientPublic),
  });
  const key = boxKey(shared, ephemeralPublic, recipientPublic);
  return Buffer.concat([ephemeralPublic, seal(key, plaintext, associatedData)]);
}

export function openWithPrivateKey(privateKey: Buffer, box: Buffer, associatedData = ''): Buffer {
  if (box.length < 33) throw new CryptoError('not a sealed box');
  const ephemeralPublic = box.subarray(0, 32);
  // One key object serves both the public half and the exchange (making it is the costly part).
  const own = privateKeyObject(privateKey);
  const recipientPublic = publicOfObject(own);
  const shared = crypto.diffieHellman({ privateKey: own, publicKey: publicKeyObject(ephemeralPublic) });
  return open(boxKey(shared, ephemeralPublic, recipientPublic), box.subarray(32), associatedData);
}
