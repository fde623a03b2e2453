/**
 * What a file is, decided from its first bytes only (never from its name or the type the browser
 * declared), and the filter it streams through: a metadata stripper (strip-metadata.ts) for the
 * formats that allow it, a check that only looks for plain text and office documents, or a plain
 * pass-through for formats whose hidden details cannot be removed as they stream (said plainly
 * to the reporter as 'not-removable'). Anything else, executables included, is refused.
 */
import { isUtf8 } from 'node:buffer';
import { PNG_SIGNATURE, StripError, type Stripper, strippers } from './strip-metadata.ts';

const EMPTY = Buffer.alloc(0);

// ---- Checks that only look (text, office documents); nothing in them can be removed as they stream ----

/** The bytes plain text may not contain: control characters but tab, line and page breaks. */
const CONTROL_BYTES = [...Array.from({ length: 0x20 }, (_, i) => i), 0x7f].filter(
  (b) => b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d,
);

function hasControlBytes(chunk: Buffer): boolean {
  // indexOf is a native memchr per byte value: far faster on megabytes than a loop in JavaScript.
  for (const b of CONTROL_BYTES) if (chunk.indexOf(b) !== -1) return true;
  return false;
}

/** Where a multi-byte UTF-8 character cut off at the end of `data` starts (data.length when none is). */
function incompleteTail(data: Buffer): number {
  for (let i = data.length - 1; i >= Math.max(0, data.length - 4); i--) {
    const b = data[i] as number;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return data.length - i < need ? i : data.length;
  }
  return data.length;
}

/** How far into a text file control characters are looked for (see TextCheck). */
export const TEXT_CONTROL_SCAN_BYTES = 64 * 1024;

/**
 * Plain UTF-8 text: valid UTF-8 throughout (node's native isUtf8, chunk by chunk, carrying a
 * character cut at a chunk's end: no string is ever made of the file), and no control characters
 * but tab, line and page breaks in its first 64 KiB. Binary formats fail one or the other at
 * once; scanning a whole large file for control characters cost more than sealing it, and a text
 * file is only ever handed to staff as a download, never shown or run.
 */
class TextCheck implements Stripper {
  readonly removed = new Set<string>();
  private carry: Buffer = EMPTY;
  private scanned = 0;
  push(chunk: Buffer): Buffer[] {
    if (this.scanned < TEXT_CONTROL_SCAN_BYTES) {
      const part = chunk.subarray(0, TEXT_CONTROL_SCAN_BYTES - this.scanned);
      this.scanned += part.length;
      if (hasControlBytes(part)) throw new StripError('type-not-accepted');
    }
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = incompleteTail(data);
    if (!isUtf8(data.subarray(0, cut))) throw new StripError('type-not-accepted');
    this.carry = Buffer.from(data.subarray(cut));
    return [chunk];
  }
  end(): Buffer[] {
    if (this.carry.length > 0) throw new StripError('type-not-accepted');
    return [];
  }
}

const OFFICE_PARTS: [string, string][] = [
  ['word/document.xml', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['xl/workbook.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['ppt/presentation.xml', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
];

/**
 * An Office Open XML document: the ZIP's entry names (in each entry's header and the central
 * directory, never compressed) tell which kind it is. One with macros (vbaProject.bin) is refused.
 */
class OfficeCheck implements Stripper {
  readonly removed = new Set(['not-removable']);
  type: string | undefined;
  private carry: Buffer = EMPTY;
  push(chunk: Buffer): Buffer[] {
    const view = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    if (view.includes('vbaProject.bin')) throw new StripError('type-not-accepted');
    if (!this.type) for (const [name, type] of OFFICE_PARTS) if (view.includes(name)) this.type = type;
    this.carry = Buffer.from(view.subarray(Math.max(0, view.length - 31)));
    return [chunk];
  }
  end(): Buffer[] {
    if (!this.type) throw new StripError('type-not-accepted');
    return [];
  }
}

class PassThrough implements Stripper {
  readonly removed = new Set(['not-removable']);
  push(chunk: Buffer): Buffer[] {
    return [chunk];
  }
  end(): Buffer[] {
    return [];
  }
}

// ---- Choosing by content ----

export interface Detected {
  type: string;
  stripper: () => Stripper;
}

const MP4_BRANDS =
  /^(isom|iso[2-9]|mp4[12]|mp71|avc1|M4V |M4VH|M4VP|M4A |M4B |qt {2}|3gp[4-9]|3g2[abc]|3ge[67]|dash|MSNV|f4v |mmp4|XAVC)$/;
const ODF_TYPES = new Set([
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
]);

/** How many leading bytes detect() would like to see (it decides with fewer at the end of a file). */
export const SNIFF_BYTES = 1024;

/**
 * The type of a file from its first bytes (`complete` when that is the whole file), with the
 * stripper to run it through; undefined when the type is not accepted.
 */
export function detect(head: Buffer, complete = true): Detected | undefined {
  const at = (s: string, o = 0) =>
    head.length >= o + s.length && head.toString('latin1', o, o + s.length) === s;
  const pass = () => new PassThrough();
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff)
    return { type: 'image/jpeg', stripper: strippers.jpeg };
  if (head.subarray(0, 8).equals(PNG_SIGNATURE)) return { type: 'image/png', stripper: strippers.png };
  if (at('GIF87a') || at('GIF89a')) return { type: 'image/gif', stripper: strippers.gif };
  if (at('RIFF') && at('WEBP', 8)) return { type: 'image/webp', stripper: strippers.riff };
  if (at('RIFF') && at('WAVE', 8)) return { type: 'audio/wav', stripper: strippers.riff };
  if (at('%PDF-')) return { type: 'application/pdf', stripper: pass };
  if (at('ftyp', 4)) {
    const brand = head.toString('latin1', 8, 12);
    if (!MP4_BRANDS.test(brand)) return undefined;
    const type =
      brand === 'qt  '
        ? 'video/quicktime'
        : brand.startsWith('M4A') || brand === 'M4B '
          ? 'audio/mp4'
          : 'video/mp4';
    return { type, stripper: pass };
  }
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    const start = head.subarray(0, 64).toString('latin1');
    if (start.includes('webm')) return { type: 'video/webm', stripper: pass };
    if (start.includes('matroska')) return { type: 'video/x-matroska', stripper: pass };
    return undefined;
  }
  if (at('OggS')) return { type: 'audio/ogg', stripper: pass };
  if (at('ID3') || isMpegFrame(head)) return { type: 'audio/mpeg', stripper: strippers.mp3 };
  if (at('PK\x03\x04')) return zipType(head);
  if (looksLikeText(head, complete)) return { type: 'text/plain', stripper: () => new TextCheck() };
  return undefined;
}

function isMpegFrame(h: Buffer): boolean {
  if (h.length < 4 || h[0] !== 0xff) return false;
  const b1 = h[1] as number;
  const b2 = h[2] as number;
  return (
    (b1 & 0xe0) === 0xe0 &&
    ((b1 >> 1) & 3) !== 0 &&
    ((b1 >> 3) & 3) !== 1 &&
    b2 >> 4 !== 15 &&
    ((b2 >> 2) & 3) !== 3
  );
}

function zipType(head: Buffer): Detected | undefined {
  if (head.length < 30) return undefined;
  const nameLen = head.readUInt16LE(26);
  const extraLen = head.readUInt16LE(28);
  const name = head.toString('latin1', 30, 30 + nameLen);
  if (name === 'mimetype') {
    // OpenDocument: the first entry, stored uncompressed, is the document's type.
    const start = 30 + nameLen + extraLen;
    const mime = head.toString('latin1', start, start + Math.min(80, head.readUInt32LE(18)));
    return ODF_TYPES.has(mime) && head.readUInt16LE(8) === 0
      ? { type: mime, stripper: () => new PassThrough() }
      : undefined;
  }
  if (/^(\[Content_Types\]\.xml|_rels\/|docProps\/|word\/|xl\/|ppt\/)/.test(name))
    return { type: 'application/vnd.openxmlformats-officedocument', stripper: () => new OfficeCheck() };
  return undefined;
}

function looksLikeText(head: Buffer, complete: boolean): boolean {
  if (hasControlBytes(head)) return false;
  // A multi-byte character may be cut at the end of the head: only a complete file must end whole.
  const cut = complete ? head.length : incompleteTail(head);
  return isUtf8(head.subarray(0, cut));
}
