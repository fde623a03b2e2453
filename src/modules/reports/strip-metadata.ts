/**
 * Removes what a file says about its maker while it streams through, for the formats where that
 * can be done without holding the file in memory: JPEG (EXIF with GPS, XMP, IPTC, comments,
 * thumbnails, maker data), PNG (text chunks, eXIf, tIME), GIF (comments, application data but the
 * looping block), WebP and WAV (EXIF/XMP and INFO/broadcast chunks are blanked in place, since the
 * RIFF sizes at the start cannot be rewritten once sent), MP3 (ID3 tags). Bytes after the end of
 * an image (where phones hide extra pictures, with their own EXIF) are dropped too.
 *
 * Each stripper is a generator that asks its driver for bytes (read n into memory, pass n through,
 * skip n); only small headers and segments (at most 64 KiB) are ever held. A file that does not
 * follow its format throws StripError('damaged'); the sink then refuses it.
 *
 * `removed` collects plain-word keys (translated in the views): exif, gps, xmp, iptc, comments,
 * text-notes, timestamps, thumbnail, camera-data, colour-profile, app-data, tags, trailing-data
 * (file-types.ts adds not-removable for formats nobody can strip while streaming).
 */

export type StripProblem = 'damaged' | 'type-not-accepted';

export class StripError extends Error {
  constructor(readonly problem: StripProblem) {
    super(`file refused: ${problem}`);
  }
}

/** A streaming filter: push input, get the bytes to keep; end() flushes and checks completeness. */
export interface Stripper {
  push(chunk: Buffer): Buffer[];
  end(): Buffer[];
  readonly removed: ReadonlySet<string>;
  /** Set when the type is only known at the end (office documents). */
  readonly type?: string;
}

type Op =
  | { read: number }
  | { emit: Buffer }
  | { pass: number }
  | { skip: number }
  /** JPEG entropy-coded data: copied until the next marker, whose byte is returned. */
  | { entropy: true }
  /** Everything else passes through, except the last `holdBack` bytes, handed to onTail at the end. */
  | { passRest: true; holdBack: number; onTail: (tail: Buffer) => Buffer };

type Parser = Generator<Op, void, Buffer>;
const EMPTY = Buffer.alloc(0);
const MAX_READ = 70_000;

/** Runs a parser over pushed chunks. */
class Driver implements Stripper {
  readonly removed = new Set<string>();
  private buf: Buffer = EMPTY;
  private op: Op | undefined;
  private left = 0;
  private finished = false;
  private readonly gen: Parser;

  constructor(parser: (removed: Set<string>) => Parser) {
    this.gen = parser(this.removed);
    this.next(EMPTY);
  }

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return this.run(false);
  }

  end(): Buffer[] {
    return this.run(true);
  }

  private next(value: Buffer): void {
    const r = this.gen.next(value);
    if (r.done) {
      this.finished = true;
      this.op = undefined;
      return;
    }
    this.op = r.value;
    if ('pass' in r.value) this.left = r.value.pass;
    else if ('skip' in r.value) this.left = r.value.skip;
    else if ('read' in r.value && (r.value.read < 0 || r.value.read > MAX_READ))
      throw new StripError('damaged');
  }

  private take(n: number): Buffer {
    const b = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return b;
  }

  private run(ending: boolean): Buffer[] {
    const out: Buffer[] = [];
    for (;;) {
      const op = this.op;
      if (this.finished || !op) {
        // The format's end was reached: whatever follows is not part of the file.
        if (this.buf.length > 0) this.removed.add('trailing-data');
        this.buf = EMPTY;
        return out;
      }
      if ('emit' in op) {
        out.push(op.emit);
        this.next(EMPTY);
      } else if ('read' in op) {
        if (this.buf.length < op.read) {
          if (ending) throw new StripError('damaged');
          return out;
        }
        this.next(Buffer.from(this.take(op.read)));
      } else if ('pass' in op || 'skip' in op) {
        const n = Math.min(this.left, this.buf.length);
        const b = this.take(n);
        if ('pass' in op && n > 0) out.push(b);
        this.left -= n;
        if (this.left > 0) {
          if (ending) throw new StripError('damaged');
          return out;
        }
        this.next(EMPTY);
      } else if ('entropy' in op) {
        const marker = this.scanEntropy(out);
        if (marker === undefined) {
          if (ending) throw new StripError('damaged');
          return out;
        }
        this.next(Buffer.from([marker]));
      } else {
        if (ending) {
          const tail = this.buf;
          this.buf = EMPTY;
          this.finished = true;
          const kept = op.onTail(Buffer.from(tail));
          if (kept.length > 0) out.push(kept);
          return out;
        }
        if (this.buf.length > op.holdBack) out.push(this.take(this.buf.length - op.holdBack));
        return out;
      }
    }
  }

  /** Copies entropy-coded bytes to out up to the next marker (FF not followed by 00, FF or RSTn). */
  private scanEntropy(out: Buffer[]): number | undefined {
    let pos = 0;
    for (;;) {
      const i = this.buf.indexOf(0xff, pos);
      if (i < 0 || i === this.buf.length - 1) {
        const upTo = i < 0 ? this.buf.length : i;
        if (upTo > 0) out.push(this.take(upTo));
        return undefined;
      }
      const m = this.buf[i + 1] as number;
      if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) {
        pos = i + 1;
        continue;
      }
      if (i > 0) out.push(this.take(i));
      this.take(2);
      return m;
    }
  }
}

// ---- JPEG ----

function startsWith(b: Buffer, ascii: string): boolean {
  return b.length >= ascii.length && b.toString('latin1', 0, ascii.length) === ascii;
}

/** Whether an EXIF (TIFF) block has a GPS directory in its first image directory. */
export function exifHasGps(tiff: Buffer): boolean {
  if (tiff.length < 8) return false;
  const le = startsWith(tiff, 'II');
  if (!le && !startsWith(tiff, 'MM')) return false;
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return false;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const at = ifd + 2 + i * 12;
    if (at + 2 > tiff.length) return false;
    if (u16(at) === 0x8825) return true;
  }
  return false;
}

/** What to do with an APPn or COM segment: the bytes to keep (or none) and what was removed. */
function jpegSegment(marker: number, payload: Buffer, removed: Set<string>): Buffer | undefined {
  if (marker === 0xfe) {
    removed.add('comments');
    return undefined;
  }
  if (marker === 0xe0 && startsWith(payload, 'JFIF\0') && payload.length >= 14) {
    // Keep JFIF (density, version), without its thumbnail.
    if (payload.length > 14 || payload[12] !== 0 || payload[13] !== 0) removed.add('thumbnail');
    const kept = Buffer.from(payload.subarray(0, 14));
    kept[12] = 0;
    kept[13] = 0;
    return kept;
  }
  if (marker === 0xe0 && startsWith(payload, 'JFXX\0')) removed.add('thumbnail');
  else if (marker === 0xe1 && startsWith(payload, 'Exif\0')) {
    removed.add('exif');
    if (exifHasGps(payload.subarray(6))) removed.add('gps');
  } else if (marker === 0xe1 && startsWith(payload, 'http://ns.adobe.com/x')) removed.add('xmp');
  else if (marker === 0xe2 && startsWith(payload, 'ICC_PROFILE\0')) removed.add('colour-profile');
  else if (marker === 0xed) removed.add('iptc');
  // Adobe's APP14 says how the colours are coded (CMYK/YCCK images decode wrongly without it) and
  // holds nothing about the maker: kept.
  else if (marker === 0xee && startsWith(payload, 'Adobe')) return payload;
  else removed.add('camera-data');
  return undefined;
}

function segmentBytes(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

function* jpeg(removed: Set<string>): Parser {
  const soi = yield { read: 2 };
  if (soi[0] !== 0xff || soi[1] !== 0xd8) throw new StripError('damaged');
  yield { emit: soi };
  let pending: number | undefined;
  for (;;) {
    let m = pending;
    pending = undefined;
    if (m === undefined) {
      if ((yield { read: 1 })[0] !== 0xff) throw new StripError('damaged');
      do m = (yield { read: 1 })[0] as number;
      while (m === 0xff);
    }
    if (m === 0xd9) {
      yield { emit: Buffer.from([0xff, 0xd9]) };
      return;
    }
    if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      yield { emit: Buffer.from([0xff, m]) };
      continue;
    }
    if (m === 0x00 || m === 0xd8) throw new StripError('damaged');
    const len = (yield { read: 2 }).readUInt16BE(0);
    if (len < 2) throw new StripError('damaged');
    if ((m >= 0xe0 && m <= 0xef) || m === 0xfe) {
      const payload = yield { read: len - 2 };
      const kept = jpegSegment(m, payload, removed);
      if (kept) yield { emit: segmentBytes(m, kept) };
      continue;
    }
    yield { emit: Buffer.from([0xff, m, len >> 8, len & 0xff]) };
    yield { pass: len - 2 };
    if (m === 0xda) pending = (yield { entropy: true })[0];
  }
}

// ---- PNG ----

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_DROPPED = new Set(['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME']);

function* png(removed: Set<string>): Parser {
  const sig = yield { read: 8 };
  if (!sig.equals(PNG_SIGNATURE)) throw new StripError('damaged');
  yield { emit: sig };
  for (;;) {
    const head = yield { read: 8 };
    const len = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (len > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) throw new StripError('damaged');
    if (!PNG_DROPPED.has(type)) {
      yield { emit: head };
      yield { pass: len + 4 };
      if (type === 'IEND') return;
      continue;
    }
    // Enough of the chunk to say what it was: the keyword of a text chunk, the start of EXIF.
    const peek = Math.min(len, type === 'eXIf' ? 65_536 : 80);
    const data = yield { read: peek };
    yield { skip: len - peek + 4 };
    if (type === 'tIME') removed.add('timestamps');
    else if (type === 'eXIf') {
      removed.add('exif');
      if (exifHasGps(data)) removed.add('gps');
    } else {
      const keyword = data.toString('latin1', 0, Math.max(0, data.indexOf(0)));
      removed.add(
        keyword === 'XML:com.adobe.xmp' ? 'xmp' : keyword === 'Comment' ? 'comments' : 'text-notes',
      );
    }
  }
}

// ---- GIF ----

function* gifSubBlocks(keep: boolean): Parser {
  for (;;) {
    const n = yield { read: 1 };
    if (keep) yield { emit: n };
    if (n[0] === 0) return;
    yield keep ? { pass: n[0] as number } : { skip: n[0] as number };
  }
}

function* gif(removed: Set<string>): Parser {
  const head = yield { read: 13 };
  const sig = head.toString('latin1', 0, 6);
  if (sig !== 'GIF87a' && sig !== 'GIF89a') throw new StripError('damaged');
  yield { emit: head };
  const flags = head[10] as number;
  if (flags & 0x80) yield { pass: 3 * 2 ** ((flags & 7) + 1) };
  for (;;) {
    const b = (yield { read: 1 })[0];
    if (b === 0x3b) {
      yield { emit: Buffer.from([0x3b]) };
      return;
    }
    if (b === 0x2c) {
      const desc = yield { read: 9 };
      yield { emit: Buffer.concat([Buffer.from([0x2c]), desc]) };
      const f = desc[8] as number;
      if (f & 0x80) yield { pass: 3 * 2 ** ((f & 7) + 1) };
      yield { pass: 1 }; // LZW minimum code size
      yield* gifSubBlocks(true);
    } else if (b === 0x21) {
      const label = (yield { read: 1 })[0] as number;
      if (label === 0xfe) {
        removed.add('comments');
        yield* gifSubBlocks(false);
      } else if (label === 0xff) {
        const size = yield { read: 1 };
        const id = yield { read: size[0] as number };
        const name = id.toString('latin1');
        // The looping block makes an animation play as its maker meant; it says nothing about them.
        const keep = name === 'NETSCAPE2.0' || name === 'ANIMEXTS1.0';
        if (keep) yield { emit: Buffer.concat([Buffer.from([0x21, 0xff]), size, id]) };
        else removed.add(name.startsWith('XMP Data') ? 'xmp' : 'app-data');
        if (size[0] !== 0) yield* gifSubBlocks(keep);
        else if (keep) throw new StripError('damaged');
      } else {
        yield { emit: Buffer.from([0x21, label]) };
        yield* gifSubBlocks(true);
      }
    } else throw new StripError('damaged');
  }
}

// ---- RIFF (WebP, WAV): chunks about the maker are blanked in place, sizes unchanged ----

const RIFF_BLANKED: Record<string, Record<string, string>> = {
  WEBP: { EXIF: 'exif', 'XMP ': 'xmp' },
  WAVE: { LIST: 'tags', bext: 'tags', iXML: 'tags', 'id3 ': 'tags', 'ID3 ': 'tags', _PMX: 'xmp' },
};

function* riff(removed: Set<string>): Parser {
  const head = yield { read: 12 };
  const form = head.toString('latin1', 8, 12);
  const blanked = RIFF_BLANKED[form];
  if (!startsWith(head, 'RIFF') || !blanked) throw new StripError('damaged');
  yield { emit: head };
  const total = head.readUInt32LE(4) + 8;
  let at = 12;
  while (at < total) {
    const ch = yield { read: 8 };
    const id = ch.toString('latin1', 0, 4);
    const len = ch.readUInt32LE(4);
    const padded = len + (len & 1);
    at += 8 + padded;
    if (at > total) throw new StripError('damaged');
    const what = Object.hasOwn(blanked, id) ? blanked[id] : undefined;
    if (what) {
      removed.add(what);
      // JUNK is RIFF's padding chunk: every reader skips it. Its size still shows how much was removed.
      const junk = Buffer.from(ch);
      junk.write('JUNK', 0, 'latin1');
      yield { emit: junk };
      yield { skip: padded };
      for (let left = padded; left > 0; left -= 65_536) yield { emit: Buffer.alloc(Math.min(left, 65_536)) };
    } else if (id === 'VP8X' && len >= 1) {
      // The extended header announces EXIF and XMP: they are gone, so say so.
      const data = yield { read: 1 };
      yield { emit: ch };
      yield { emit: Buffer.from([(data[0] as number) & ~0x0c]) };
      yield { pass: padded - 1 };
    } else {
      yield { emit: ch };
      yield { pass: padded };
    }
  }
}

// ---- MP3: ID3v2 at the start, ID3v1 (the last 128 bytes) at the end ----

function* mp3(removed: Set<string>): Parser {
  let head = yield { read: 3 };
  while (startsWith(head, 'ID3')) {
    const rest = yield { read: 7 };
    const s = rest.subarray(3, 7);
    if (s.some((b) => b > 0x7f)) throw new StripError('damaged');
    const size =
      ((s[0] as number) << 21) | ((s[1] as number) << 14) | ((s[2] as number) << 7) | (s[3] as number);
    yield { skip: size + ((rest[2] as number) & 0x10 ? 10 : 0) };
    removed.add('tags');
    head = yield { read: 3 };
  }
  yield { emit: head };
  yield {
    passRest: true,
    holdBack: 128,
    onTail: (tail) => {
      if (tail.length < 128 || !startsWith(tail.subarray(tail.length - 128), 'TAG')) return tail;
      removed.add('tags');
      return tail.subarray(0, tail.length - 128);
    },
  };
}

/** The format strippers, by name, for file-types.ts to hand out. */
export const strippers = {
  jpeg: (): Stripper => new Driver(jpeg),
  png: (): Stripper => new Driver(png),
  gif: (): Stripper => new Driver(gif),
  riff: (): Stripper => new Driver(riff),
  mp3: (): Stripper => new Driver(mp3),
};
