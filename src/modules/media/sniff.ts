/**
 * What a file is, decided from its first bytes only: never from its name or the type the browser
 * declared. Only the five formats Vigil accepts are recognised; everything else is undefined.
 */
import fs from 'node:fs';

export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';
export type VideoMime = 'video/mp4' | 'video/webm';
export type SniffedMime = ImageMime | VideoMime;

export const SNIFF_BYTES = 4096;

/** ISO BMFF major brands of MP4 video (not HEIC/AVIF stills, QuickTime or 3GP). */
const MP4_BRANDS = new Set([
  'isom',
  'iso2',
  'iso3',
  'iso4',
  'iso5',
  'iso6',
  'iso8',
  'mp41',
  'mp42',
  'mp71',
  'avc1',
  'dash',
  'M4V ',
  'M4VH',
  'M4VP',
  'MSNV',
  'f4v ',
  'mmp4',
]);

export function isImageMime(mime: string | undefined): mime is ImageMime {
  return mime === 'image/jpeg' || mime === 'image/png' || mime === 'image/webp';
}

export function isVideoMime(mime: string | undefined): mime is VideoMime {
  return mime === 'video/mp4' || mime === 'video/webm';
}

export function sniff(head: Buffer): SniffedMime | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (
    head.length >= 8 &&
    head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'image/png';
  if (
    head.length >= 12 &&
    head.toString('latin1', 0, 4) === 'RIFF' &&
    head.toString('latin1', 8, 12) === 'WEBP'
  )
    return 'image/webp';
  if (head.length >= 12 && head.toString('latin1', 4, 8) === 'ftyp') {
    const size = head.readUInt32BE(0);
    if (size >= 16 && MP4_BRANDS.has(head.toString('latin1', 8, 12))) return 'video/mp4';
    return undefined;
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3 && ebmlDocType(head) === 'webm')
    return 'video/webm';
  return undefined;
}

/** Reads an EBML variable-length integer; the marker bit is kept for element IDs. */
function readVint(
  buf: Buffer,
  pos: number,
  keepMarker: boolean,
): { value: number; length: number } | undefined {
  const first = buf[pos];
  if (first === undefined || first === 0) return undefined;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8 || pos + length > buf.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + buf[pos + i]!;
  return { value, length };
}

/** The DocType of an EBML header ("webm", "matroska"), when it is within the bytes given. */
export function ebmlDocType(head: Buffer): string | undefined {
  const id = readVint(head, 0, true);
  if (id?.value !== 0x1a45dfa3) return undefined;
  const size = readVint(head, id.length, false);
  if (!size) return undefined;
  let pos = id.length + size.length;
  const end = Math.min(head.length, pos + size.value);
  while (pos < end) {
    const childId = readVint(head, pos, true);
    if (!childId) return undefined;
    const childSize = readVint(head, pos + childId.length, false);
    if (!childSize) return undefined;
    const start = pos + childId.length + childSize.length;
    if (childId.value === 0x4282) {
      if (start + childSize.value > head.length || childSize.value > 64) return undefined;
      return head.toString('latin1', start, start + childSize.value).replace(/\0+$/, '');
    }
    pos = start + childSize.value;
  }
  return undefined;
}

/** The first bytes of a file or buffer. */
export async function headOf(source: Buffer | string, bytes = SNIFF_BYTES): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source.subarray(0, bytes);
  const fh = await fs.promises.open(source, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
