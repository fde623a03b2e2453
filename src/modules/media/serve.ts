/**
 * Sends a stored media file with HTTP Range support (RFC 9110 §14), so a video can be sought
 * without downloading it whole: 206 with Content-Range for one satisfiable range, 416 with
 * `Content-Range: bytes *\/size` for an unsatisfiable one, the whole file (200) when there is no
 * usable Range header (several ranges, bad syntax, or an If-Range that no longer matches).
 * Files under a media id never change (a replacement gets a new id), so they are cached for a year.
 */
import fs from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type RangeResult =
  | { kind: 'none' }
  | { kind: 'range'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const MAX_DIGITS = 15;

/** Interprets a Range header against a file of `size` bytes. */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return { kind: 'none' };
  const specs = m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length !== 1) return { kind: 'none' };
  const r = /^(\d*)\s*-\s*(\d*)$/.exec(specs[0]!);
  if (!r) return { kind: 'none' };
  const [, a, b] = r as unknown as [string, string, string];
  if (a === '' && b === '') return { kind: 'none' };
  if (a === '') {
    // A suffix: the last b bytes.
    const n = b.length > MAX_DIGITS ? Number.MAX_SAFE_INTEGER : Number(b);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - n), end: size - 1 };
  }
  if (a.length > MAX_DIGITS) return { kind: 'unsatisfiable' };
  const start = Number(a);
  let end = size - 1;
  if (b !== '') {
    const last = b.length > MAX_DIGITS ? Number.MAX_SAFE_INTEGER : Number(b);
    if (last < start) return { kind: 'none' };
    end = Math.min(last, size - 1);
  }
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export interface SendableFile {
  path: string;
  mime: string;
  etag: string;
  lastModified: number;
}

/** Sends a file; returns false (sending nothing) when it is not on disk. */
export async function sendFile(
  req: FastifyRequest,
  reply: FastifyReply,
  file: SendableFile,
): Promise<boolean> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file.path, 'r');
  } catch {
    return false;
  }
  let handedOver = false;
  try {
    const { size } = await fh.stat();
    reply
      .header('content-type', file.mime)
      .header('accept-ranges', 'bytes')
      .header('etag', file.etag)
      .header('last-modified', new Date(file.lastModified).toUTCString())
      .header('cache-control', 'public, max-age=31536000, immutable');

    if (etagMatches(req.headers['if-none-match'], file.etag)) {
      reply.code(304).send();
      return true;
    }
    const rangeHeader = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    const ifRange = req.headers['if-range'];
    const useRange = ifRange === undefined || ifRange === file.etag;
    const range = useRange ? parseRange(rangeHeader, size) : ({ kind: 'none' } as const);

    if (range.kind === 'unsatisfiable') {
      reply.code(416).header('content-range', `bytes */${size}`).header('content-length', '0').send();
      return true;
    }
    const start = range.kind === 'range' ? range.start : 0;
    const end = range.kind === 'range' ? range.end : size - 1;
    const length = size === 0 ? 0 : end - start + 1;
    if (range.kind === 'range') reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
    else reply.code(200);
    reply.header('content-length', String(length));
    if (req.method === 'HEAD' || length === 0) {
      reply.send();
      return true;
    }
    handedOver = true;
    reply.send(fh.createReadStream({ start, end, autoClose: true }));
    return true;
  } finally {
    if (!handedOver) await fh.close().catch(() => {});
  }
}
