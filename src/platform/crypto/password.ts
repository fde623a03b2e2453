/**
 * Password derivation. One scrypt run per sign-in gives a master secret; from it come a verifier
 * (stored, to check the password) and a wrapping key (never stored, to unwrap the staff member's
 * private key). scrypt is memory-hard and node runs it on the libuv thread pool, off the event loop.
 */
import crypto from 'node:crypto';
import { hmac, randomBytes } from './primitives.ts';

export interface KdfParams {
  alg: 'scrypt';
  /** log2 of scrypt's N. Memory used is 128 * N * r bytes. */
  logN: number;
  r: number;
  p: number;
}

/** Parameters for a memory budget: 64 MiB gives N = 2^16, r = 8. */
export function kdfParamsForMemory(mib: number): KdfParams {
  const r = 8;
  const logN = Math.max(4, Math.floor(Math.log2((mib * 1024 * 1024) / (128 * r))));
  return { alg: 'scrypt', logN, r, p: 1 };
}

export interface PasswordSecrets {
  verifier: Buffer;
  wrappingKey: Buffer;
}

export function newSalt(): Buffer {
  return randomBytes(16);
}

export function derivePasswordSecrets(
  password: string,
  salt: Buffer,
  params: KdfParams,
): Promise<PasswordSecrets> {
  const N = 2 ** params.logN;
  const maxmem = 256 * N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    crypto.scrypt(
      password.normalize('NFC'),
      salt,
      32,
      { N, r: params.r, p: params.p, maxmem },
      (err, master) => {
        if (err) return reject(err);
        resolve({
          verifier: hmac(master, 'vigil/password-verifier'),
          wrappingKey: hmac(master, 'vigil/key-wrapping'),
        });
      },
    );
  });
}
