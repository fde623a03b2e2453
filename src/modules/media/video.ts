/**
 * Checks that an uploaded video is whole before it is stored as is: an MP4's top-level boxes must
 * chain exactly to the end of the file and include the movie header; a WebM's segment must fit in
 * the file. The duration is read on the way when the container states it. Nothing is decoded.
 */
import fs from 'node:fs';
import type { VideoMime } from './sniff.ts';

export type VideoCheck = { ok: true; durationMs: number | null } | { ok: false };

const MAX_BOXES = 100_000;

async function readAt(fh: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

interface Box {
  type: string;
  start: number;
  headerSize: number;
  size: number;
}

async function boxAt(fh: fs.promises.FileHandle, offset: number, limit: number): Promise<Box | undefined> {
  const h = await readAt(fh, offset, 16);
  if (h.length < 8) return undefined;
  let size = h.readUInt32BE(0);
  const type = h.toString('latin1', 4, 8);
  let headerSize = 8;
  if (size === 1) {
    if (h.length < 16) return undefined;
    const big = h.readBigUInt64BE(8);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    size = Number(big);
    headerSize = 16;
  } else if (size === 0) {
    size = limit - offset;
  }
  if (size < headerSize) return undefined;
  return { type, start: offset, headerSize, size };
}

async function checkMp4(fh: fs.promises.FileHandle, fileSize: number): Promise<VideoCheck> {
  let offset = 0;
  let moov: Box | undefined;
  let mdat = false;
  for (let n = 0; offset < fileSize; n++) {
    if (n > MAX_BOXES) return { ok: false };
    const box = await boxAt(fh, offset, fileSize);
    if (!box) return { ok: false };
    if (n === 0 && box.type !== 'ftyp') return { ok: false };
    if (box.type === 'moov') moov = box;
    if (box.type === 'mdat') mdat = true;
    offset += box.size;
  }
  if (offset !== fileSize || !moov || !mdat) return { ok: false };
  // The movie header (mvhd) inside moov gives the duration.
  let durationMs: number | null = null;
  const moovEnd = moov.start + moov.size;
  let child = moov.start + moov.headerSize;
  for (let n = 0; child < moovEnd && n < 1000; n++) {
    const box = await boxAt(fh, child, moovEnd);
    if (!box) break;
    if (box.type === 'mvhd') {
      const b = await readAt(fh, box.start + box.headerSize, 32);
      const version = b[0];
      const timescale = version === 1 ? b.readUInt32BE(20) : b.readUInt32BE(12);
      const duration = version === 1 ? Number(b.readBigUInt64BE(24)) : b.readUInt32BE(16);
      if (timescale > 0 && Number.isFinite(duration)) durationMs = Math.round((duration * 1000) / timescale);
      break;
    }
    child += box.size;
  }
  return { ok: true, durationMs };
}

function vint(
  buf: Buffer,
  pos: number,
  keepMarker: boolean,
): { value: number; length: number; unknown: boolean } | undefined {
  const first = buf[pos];
  if (first === undefined || first === 0) return undefined;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8 || pos + length > buf.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + buf[pos + i]!;
    if (buf[pos + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

async function checkWebm(fh: fs.promises.FileHandle, fileSize: number): Promise<VideoCheck> {
  const head = await readAt(fh, 0, 64 * 1024);
  const id = vint(head, 0, true);
  if (id?.value !== 0x1a45dfa3) return { ok: false };
  const size = vint(head, id.length, false);
  if (!size || size.unknown) return { ok: false };
  let pos = id.length + size.length + size.value;
  const segId = vint(head, pos, true);
  if (segId?.value !== 0x18538067) return { ok: false };
  const segSize = vint(head, pos + segId.length, false);
  if (!segSize) return { ok: false };
  pos += segId.length + segSize.length;
  if (!segSize.unknown && pos + segSize.value > fileSize) return { ok: false };
  if (pos >= fileSize) return { ok: false };
  // Info (0x1549a966): TimecodeScale (0x2ad7b1, ns per tick, default 1 ms) and Duration (0x4489, float ticks).
  let durationMs: number | null = null;
  for (let n = 0; pos < head.length && n < 64; n++) {
    const childId = vint(head, pos, true);
    const childSize = childId && vint(head, pos + childId.length, false);
    if (!childId || !childSize || childSize.unknown) break;
    const start = pos + childId.length + childSize.length;
    if (childId.value === 0x1549a966) {
      let scale = 1_000_000;
      let ticks: number | undefined;
      let p = start;
      const end = Math.min(head.length, start + childSize.value);
      while (p < end) {
        const eId = vint(head, p, true);
        const eSize = eId && vint(head, p + eId.length, false);
        if (!eId || !eSize) break;
        const s = p + eId.length + eSize.length;
        if (s + eSize.value > head.length) break;
        if (eId.value === 0x2ad7b1 && eSize.value >= 1 && eSize.value <= 6)
          scale = head.readUIntBE(s, eSize.value);
        if (eId.value === 0x4489 && eSize.value === 8) ticks = head.readDoubleBE(s);
        if (eId.value === 0x4489 && eSize.value === 4) ticks = head.readFloatBE(s);
        p = s + eSize.value;
      }
      if (ticks !== undefined && Number.isFinite(ticks) && ticks >= 0)
        durationMs = Math.round((ticks * scale) / 1_000_000);
      break;
    }
    if (childId.value === 0x1f43b675) break; // the first Cluster: Info comes before it
    pos = start + childSize.value;
  }
  return { ok: true, durationMs };
}

/** Checks a video file of the type its magic bytes named. */
export async function checkVideoFile(file: string, mime: VideoMime): Promise<VideoCheck> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const { size } = await fh.stat();
    return mime === 'video/mp4' ? await checkMp4(fh, size) : await checkWebm(fh, size);
  } catch {
    return { ok: false };
  } finally {
    await fh.close();
  }
}
