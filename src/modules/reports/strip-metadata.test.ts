import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { detect } from './file-types.ts';
import { exifHasGps, StripError, type Stripper } from './strip-metadata.ts';

const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>MARKER-XMP</dc:creator>' +
  '</rdf:Description></rdf:RDF></x:xmpmeta>';

const picture = () =>
  sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 30, b: 10 } } });

/** Runs bytes through the stripper chosen by detect(), cut into pieces at the given points. */
function run(input: Buffer, cuts: number[] = []): { out: Buffer; removed: string[]; type: string } {
  const found = detect(input.subarray(0, 1024), input.length <= 1024);
  assert.ok(found, 'type detected');
  const s: Stripper = found.stripper();
  const out: Buffer[] = [];
  let last = 0;
  for (const c of [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b)) {
    out.push(...s.push(input.subarray(last, c)));
    last = c;
  }
  out.push(...s.push(input.subarray(last)));
  out.push(...s.end());
  return { out: Buffer.concat(out), removed: [...s.removed].sort(), type: s.type ?? found.type };
}

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

async function taggedJpeg(): Promise<Buffer> {
  const jpg = await picture()
    .jpeg()
    .withExif({
      IFD0: { Make: 'MARKER-CAMERA' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' },
    })
    .withXmp(XMP)
    .toBuffer();
  const comment = segment(0xfe, Buffer.from('MARKER-COMMENT'));
  const iptc = segment(0xed, Buffer.from('Photoshop 3.0\0MARKER-IPTC'));
  // A second picture after the end, as some phones append: dropped with the rest.
  return Buffer.concat([jpg.subarray(0, 2), comment, iptc, jpg.subarray(2), Buffer.from('MARKER-TRAILER')]);
}

describe('metadata stripping', () => {
  it('removes EXIF with GPS, XMP, IPTC, comments and trailing data from a JPEG, whatever the chunking', async () => {
    const input = await taggedJpeg();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (cuts) => {
        const { out, removed, type } = run(input, cuts);
        assert.equal(type, 'image/jpeg');
        assert.deepEqual(removed, ['comments', 'exif', 'gps', 'iptc', 'trailing-data', 'xmp']);
        for (const marker of [
          'MARKER-CAMERA',
          'MARKER-XMP',
          'MARKER-COMMENT',
          'MARKER-IPTC',
          'MARKER-TRAILER',
        ])
          assert.equal(out.includes(marker), false, marker);
        const meta = await sharp(out).metadata();
        assert.equal(meta.exif, undefined);
        assert.equal(meta.xmp, undefined);
        assert.equal(meta.width, 40);
        const { info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
        assert.equal(info.height, 30);
      }),
      { numRuns: 25 },
    );
  });

  it('keeps a JPEG without metadata byte for byte (but its JFIF thumbnail-free header)', async () => {
    const plain = await picture().jpeg().toBuffer();
    const { out, removed } = run(plain, [1, 7, 300]);
    assert.deepEqual(removed, []);
    assert.ok(out.equals(plain));
  });

  it('keeps a progressive JPEG decodable', async () => {
    const jpg = await picture()
      .jpeg({ progressive: true })
      .withExif({ IFD0: { Make: 'X' } })
      .toBuffer();
    const { out, removed } = run(jpg, [100, 200]);
    assert.deepEqual(removed, ['exif']);
    await sharp(out).raw().toBuffer();
  });

  it('finds GPS only where there is a GPS directory', () => {
    assert.equal(exifHasGps(Buffer.from('MM\0*\0\0\0\x08\0\0')), false);
    assert.equal(exifHasGps(Buffer.from('II*\0\x08\0\0\0\x01\0\x25\x88', 'latin1')), true);
    assert.equal(exifHasGps(Buffer.from('II*\0\xff\xff\0\0', 'latin1')), false);
  });

  it('drops text, EXIF and time chunks from a PNG', async () => {
    const png = await picture()
      .png()
      .withExif({ IFD0: { Make: 'MARKER-CAMERA' } })
      .withXmp(XMP)
      .toBuffer();
    const iend = png.length - 12;
    const input = Buffer.concat([
      png.subarray(0, 33),
      pngChunk('tEXt', Buffer.from('Author\0MARKER-AUTHOR')),
      pngChunk('tEXt', Buffer.from('Comment\0MARKER-COMMENT')),
      pngChunk('tIME', Buffer.from([7, 234, 1, 2, 3, 4, 5])),
      png.subarray(33, iend),
      pngChunk('iTXt', Buffer.from('Title\0\0\0\0\0MARKER-ITXT')),
      png.subarray(iend),
    ]);
    assert.ok((await sharp(input).metadata()).comments?.length);
    const { out, removed } = run(input, [5, 40, 90]);
    assert.deepEqual(removed, ['comments', 'exif', 'text-notes', 'timestamps', 'xmp']);
    for (const marker of ['MARKER-CAMERA', 'MARKER-XMP', 'MARKER-AUTHOR', 'MARKER-COMMENT', 'MARKER-ITXT'])
      assert.equal(out.includes(marker), false, marker);
    const meta = await sharp(out).metadata();
    assert.equal(meta.comments, undefined);
    assert.equal(meta.exif, undefined);
    await sharp(out).raw().toBuffer();
  });

  it('drops GIF comments and application data but keeps the looping block', async () => {
    const gif = await picture().gif({ loop: 0 }).toBuffer();
    const comment = Buffer.concat([
      Buffer.from([0x21, 0xfe, 14]),
      Buffer.from('MARKER-COMMENT'),
      Buffer.from([0]),
    ]);
    const xmpExt = Buffer.concat([
      Buffer.from([0x21, 0xff, 11]),
      Buffer.from('XMP DataXMP'),
      Buffer.from([10]),
      Buffer.from('MARKER-XMP'),
      Buffer.from([0]),
    ]);
    const netscape = Buffer.concat([
      Buffer.from([0x21, 0xff, 11]),
      Buffer.from('NETSCAPE2.0'),
      Buffer.from([3, 1, 0, 0, 0]),
    ]);
    const flags = gif[10] as number;
    const afterHeader = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
    const input = Buffer.concat([
      gif.subarray(0, afterHeader),
      comment,
      xmpExt,
      netscape,
      gif.subarray(afterHeader),
    ]);
    const { out, removed } = run(input, [3, 20, 50]);
    assert.deepEqual(removed, ['comments', 'xmp']);
    assert.equal(out.includes('MARKER'), false);
    assert.ok(out.includes('NETSCAPE2.0'));
    await sharp(out).raw().toBuffer();
  });

  it('blanks EXIF and XMP in a WebP without changing its size', async () => {
    const webp = await picture()
      .webp()
      .withExif({ IFD0: { Make: 'MARKER-CAMERA' } })
      .withXmp(XMP)
      .toBuffer();
    const { out, removed } = run(webp, [10, 33]);
    assert.deepEqual(removed, ['exif', 'xmp']);
    assert.equal(out.length, webp.length);
    assert.equal(out.includes('MARKER'), false);
    const meta = await sharp(out).metadata();
    assert.equal(meta.exif, undefined);
    assert.equal(meta.xmp, undefined);
    await sharp(out).raw().toBuffer();
  });

  it('removes ID3 tags from an MP3', () => {
    const frame = Buffer.from([0xff, 0xfb, 0x90, 0x64, ...Buffer.alloc(413)]);
    const id3 = Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x0c'), Buffer.from('TIT2MARKER12')]);
    const v1 = Buffer.concat([Buffer.from('TAG'), Buffer.from('MARKER-V1'), Buffer.alloc(116)]);
    const { out, removed } = run(Buffer.concat([id3, frame, frame, v1]), [5, 500]);
    assert.deepEqual(removed, ['tags']);
    assert.ok(out.equals(Buffer.concat([frame, frame])));
  });

  it('tells text, documents and media from everything else', () => {
    const zipHeader = (name: string) => {
      const h = Buffer.alloc(30);
      h.write('PK\x03\x04', 0, 'latin1');
      h.writeUInt16LE(name.length, 26);
      return Buffer.concat([h, Buffer.from(name)]);
    };
    const type = (b: Buffer) => detect(b)?.type;
    assert.equal(type(Buffer.from('Hello 你好\r\n\tthere')), 'text/plain');
    assert.equal(type(Buffer.from('%PDF-1.7\n')), 'application/pdf');
    assert.equal(type(Buffer.from('\0\0\0\x18ftypqt  ')), 'video/quicktime');
    assert.equal(type(Buffer.from('\0\0\0\x18ftypM4A ')), 'audio/mp4');
    assert.equal(type(Buffer.from('\0\0\0\x18ftypisom')), 'video/mp4');
    assert.equal(type(Buffer.from('\0\0\0\x18ftypheic')), undefined, 'HEIC photos are not MP4');
    assert.equal(type(Buffer.from('\x1a\x45\xdf\xa3\x9f\x42\x82\x84webm', 'latin1')), 'video/webm');
    assert.equal(type(Buffer.from('OggS\0\x02')), 'audio/ogg');
    assert.equal(type(Buffer.from('RIFF\0\0\0\0WAVEfmt ')), 'audio/wav');
    assert.equal(type(zipHeader('[Content_Types].xml')), 'application/vnd.openxmlformats-officedocument');
    assert.equal(type(zipHeader('payload.exe')), undefined, 'a plain ZIP is refused');
    assert.equal(type(Buffer.from('MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff', 'latin1')), undefined);
    assert.equal(type(Buffer.from('\x7fELF\x02\x01\x01\0')), undefined);
    assert.equal(type(Buffer.from([0xfe, 0xed, 0xfa, 0xcf, 7, 0, 0, 1])), undefined);
    assert.equal(type(Buffer.from([0xc3, 0x28, 0x41])), undefined, 'invalid UTF-8');
    assert.equal(detect(Buffer.from([0x41, 0xe4, 0xbd]), false)?.type, 'text/plain', 'cut mid-character');
  });

  it('checks plain text as it streams, whatever the chunks cut through', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', ' ', '\n', '你', '好', 'é', '𝄞', '—'), {
          minLength: 1,
          maxLength: 3000,
        }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.nat(),
        (chars, cuts, at) => {
          const text = Buffer.from(chars.join(''), 'utf8');
          assert.ok(run(text, cuts).out.equals(text), 'valid text passes through unchanged');
          // A stray continuation byte, a control character, or a character cut off at the end: refused.
          const i = at % (text.length + 1);
          for (const bad of [
            Buffer.concat([text.subarray(0, i), Buffer.from([0x80]), text.subarray(i)]),
            Buffer.concat([text, Buffer.from([0x01])]),
            Buffer.concat([text, Buffer.from([0xe4, 0xbd])]),
          ]) {
            if (!detect(bad.subarray(0, 1024), bad.length <= 1024)) continue;
            assert.throws(() => run(bad, cuts), StripError);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a Word document with macros and names the kind of an Office document at the end', () => {
    const doc = Buffer.concat([
      Buffer.from('PK\x03\x04'),
      Buffer.alloc(22),
      Buffer.from([19, 0, 0, 0]),
      Buffer.from('[Content_Types].xml'),
      Buffer.alloc(2000, 7),
      Buffer.from('PK\x03\x04word/document.xml'),
    ]);
    assert.equal(
      run(doc, [1500, 2040]).type,
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    const macro = Buffer.concat([doc, Buffer.from('word/vbaProject.bin')]);
    assert.throws(
      () => run(macro, [2030]),
      (e) => e instanceof StripError && e.problem === 'type-not-accepted',
    );
  });

  it('never throws anything but StripError on random or cut input', async () => {
    const samples = [await taggedJpeg(), await picture().png().toBuffer(), await picture().gif().toBuffer()];
    const webp = await picture()
      .webp()
      .withExif({ IFD0: { Make: 'X' } })
      .toBuffer();
    samples.push(webp);
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (sample, cutAt, flips, cuts) => {
          const input = Buffer.from(sample.subarray(0, Math.max(4, cutAt % (sample.length + 1))));
          for (const [at, value] of flips) input[at % input.length] = value;
          try {
            run(input, cuts);
          } catch (err) {
            if (!(err instanceof StripError) && !(err instanceof assert.AssertionError)) throw err;
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
