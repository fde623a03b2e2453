/**
 * Static assets, read once at start-up, served from memory under a content-hashed name with a
 * year-long immutable cache: a changed file gets a new address, so nothing stale is ever served.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Beside this file in the sources (src/platform/views/assets), beside the bundle in dist/.
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  body: Buffer;
  type: string;
  hashedName: string;
}

const byName = new Map<string, Asset>();
const byHashedName = new Map<string, Asset>();

for (const name of fs.readdirSync(dir)) {
  const body = fs.readFileSync(path.join(dir, name));
  const ext = path.extname(name);
  const hash = crypto.createHash('sha256').update(body).digest('hex').slice(0, 12);
  const asset = {
    body,
    type: TYPES[ext] ?? 'application/octet-stream',
    hashedName: `${path.basename(name, ext)}.${hash}${ext}`,
  };
  byName.set(name, asset);
  byHashedName.set(asset.hashedName, asset);
}

export function assetUrl(name: string): string {
  const asset = byName.get(name);
  if (!asset) throw new Error(`unknown asset ${name}`);
  return `/assets/${asset.hashedName}`;
}

export function findAsset(hashedName: string): Asset | undefined {
  return byHashedName.get(hashedName);
}
