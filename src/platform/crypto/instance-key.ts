/**
 * The instance key: 32 random bytes kept outside the database (VIGIL_SECRET_KEY, or a file in the
 * data directory created on first start with mode 0600). Keyed hashes made with it (CSRF tokens,
 * throttle keys, the audit chain) cannot be recomputed by someone who holds only the database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hmac, randomBytes } from './primitives.ts';

export const INSTANCE_KEY_FILE = 'instance.key';

export function loadInstanceKey(fromEnv: string | undefined, dataDir: string): Buffer {
  if (fromEnv) return Buffer.from(fromEnv, 'base64url');
  const file = path.join(dataDir, INSTANCE_KEY_FILE);
  try {
    return decode(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    // 'wx' fails if another process created it first; then read theirs.
    fs.writeFileSync(file, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    return decode(fs.readFileSync(file, 'utf8'));
  }
}

function decode(text: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length !== 32) throw new Error(`${INSTANCE_KEY_FILE} is damaged: expected 32 bytes`);
  return key;
}

/** A sub-key for one purpose, so that one use can never be replayed as another. */
export function subKey(instanceKey: Buffer, purpose: string): Buffer {
  return hmac(instanceKey, `vigil/subkey/${purpose}`);
}
