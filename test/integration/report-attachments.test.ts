/**
 * Reporters' files: checked by content, stripped of metadata, sealed as they stream in, never in
 * the clear on disk, and swept when no report took them.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import type { ReportConfig } from '../../src/config/index.ts';
import {
  type AttachmentOutcome,
  AttachmentStore,
  cleanFileName,
} from '../../src/modules/reports/attachments.ts';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { CryptoError } from '../../src/platform/crypto/index.ts';
import { createTestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import { openReportChannel } from '../helpers/reports.ts';

const LIMITS: ReportConfig = {
  maxFileBytes: 2_000_000,
  maxFiles: 5,
  powBits: 0,
  ratePerSecond: 100,
  rateBurst: 100,
};
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>MARKER-XMP-AUTHOR</dc:creator>' +
  '</rdf:Description></rdf:RDF></x:xmpmeta>';

async function store(s: AttachmentStore, key: Buffer, name: string, data: Buffer, chunk = 4096) {
  const sink = s.sink(key, name);
  for (let i = 0; i < data.length; i += chunk) await sink.write(data.subarray(i, i + chunk));
  return sink.finish();
}

async function readAll(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

function listDir(s: AttachmentStore): string[] {
  return fs.readdirSync(s.dir).sort();
}

async function noisyJpeg(): Promise<Buffer> {
  const jpg = await sharp({
    create: { width: 64, height: 48, channels: 3, background: { r: 9, g: 120, b: 200 } },
  })
    .jpeg()
    .withExif({
      IFD0: { Make: 'MARKER-CAMERA', Artist: 'MARKER-ARTIST' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' },
    })
    .withXmp(XMP)
    .toBuffer();
  const text = Buffer.from('MARKER-COMMENT');
  const com = Buffer.from([0xff, 0xfe, 0, text.length + 2]);
  return Buffer.concat([jpg.subarray(0, 2), com, text, jpg.subarray(2)]);
}

describe('sealed attachments', () => {
  let dataDir: string;
  let s: AttachmentStore;
  const key = crypto.randomBytes(32);
  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-attach-'));
    s = new AttachmentStore(dataDir, LIMITS);
    s.ensure();
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('strips EXIF, GPS, XMP and comments from a JPEG, seals it, and gives it back decodable', async () => {
    const input = await noisyJpeg();
    const outcome = await store(s, key, 'C:\\Users\\me\\Photos\\IMG_0001.JPG', input, 1000);
    assert.equal(outcome.problem, undefined);
    const stored = outcome.stored!;
    assert.equal(outcome.name, 'IMG_0001.JPG');
    assert.equal(stored.meta.name, 'IMG_0001.JPG');
    assert.equal(stored.meta.type, 'image/jpeg');
    assert.deepEqual([...stored.meta.removed].sort(), ['comments', 'exif', 'gps', 'xmp']);
    const onDisk = fs.readFileSync(s.pathOf(stored.id));
    assert.equal(onDisk.length, stored.storedBytes);
    assert.equal(fs.statSync(s.pathOf(stored.id)).mode & 0o777, 0o600);
    assert.equal(onDisk.includes('MARKER'), false);
    assert.equal(onDisk.includes(Buffer.from([0xff, 0xd8, 0xff])), false, 'no JPEG header in the clear');

    const back = await readAll(s.read(stored.id, key));
    assert.equal(back.length, stored.meta.bytes);
    assert.equal(back.includes('MARKER'), false);
    const meta = await sharp(back).metadata();
    assert.equal(meta.exif, undefined);
    assert.equal(meta.xmp, undefined);
    assert.equal(meta.comments, undefined);
    assert.equal(meta.width, 64);
    await sharp(back).raw().toBuffer();
    assert.deepEqual(listDir(s), [stored.id], 'no temporary file left');
  });

  it('drops the text chunks of a PNG', async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 4, background: 'red' } })
      .png()
      .toBuffer();
    const text = Buffer.from('Author\0MARKER-AUTHOR');
    const chunk = Buffer.alloc(12 + text.length);
    chunk.writeUInt32BE(text.length, 0);
    chunk.write('tEXt', 4, 'latin1');
    text.copy(chunk, 8);
    chunk.writeUInt32BE(
      (await import('node:zlib')).crc32(chunk.subarray(4, 8 + text.length)),
      8 + text.length,
    );
    const input = Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
    assert.equal((await sharp(input).metadata()).comments?.[0]?.text, 'MARKER-AUTHOR');
    const outcome = await store(s, key, 'screenshot.png', input, 7);
    assert.deepEqual(outcome.stored?.meta.removed, ['text-notes']);
    const back = await readAll(s.read(outcome.stored!.id, key));
    assert.equal((await sharp(back).metadata()).comments, undefined);
    assert.equal(back.includes('MARKER'), false);
  });

  it('never writes plaintext: a marker in a text file is not on disk', async () => {
    const marker = `MARKER-${crypto.randomBytes(8).toString('hex')}`;
    const text = Buffer.from(`${'Notes from the meeting.\n'.repeat(5000)}${marker}\n`);
    const outcome = await store(s, key, 'notes.txt', text, 65_536);
    const stored = outcome.stored!;
    assert.equal(stored.meta.type, 'text/plain');
    assert.deepEqual(stored.meta.removed, []);
    const onDisk = fs.readFileSync(s.pathOf(stored.id));
    assert.equal(onDisk.includes(marker), false);
    assert.equal(onDisk.includes('Notes from'), false);
    assert.ok((await readAll(s.read(stored.id, key))).equals(text));
  });

  it('says plainly that a PDF keeps its properties, and fixes a misleading extension', async () => {
    const outcome = await store(
      s,
      key,
      'report.exe',
      Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n'),
    );
    assert.equal(outcome.stored?.meta.type, 'application/pdf');
    assert.deepEqual(outcome.stored?.meta.removed, ['not-removable']);
    assert.equal(outcome.stored?.meta.name, 'report.exe.pdf');
  });

  it('refuses an executable named .jpg, an empty file and an oversized one, leaving nothing behind', async () => {
    const before = listDir(s);
    const exe = Buffer.concat([
      Buffer.from('MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff', 'latin1'),
      crypto.randomBytes(5000),
    ]);
    assert.deepEqual(await store(s, key, 'holiday.jpg', exe), {
      name: 'holiday.jpg',
      problem: 'type-not-accepted',
    });
    assert.deepEqual(await store(s, key, 'elf.txt', Buffer.from('\x7fELF\x02\x01\x01\0')), {
      name: 'elf.txt',
      problem: 'type-not-accepted',
    });
    assert.deepEqual(await store(s, key, 'none.txt', Buffer.alloc(0)), {
      name: 'none.txt',
      problem: 'empty',
    });
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(LIMITS.maxFileBytes, 0x20)]);
    assert.deepEqual(await store(s, key, 'big.pdf', big, 65_536), { name: 'big.pdf', problem: 'too-large' });
    // A broken image is refused as damaged.
    const jpg = await noisyJpeg();
    assert.equal((await store(s, key, 'cut.jpg', jpg.subarray(0, jpg.length - 300))).problem, 'damaged');
    assert.deepEqual(listDir(s), before);
  });

  it('removes what an aborted upload had written', async () => {
    const before = listDir(s);
    const sink = s.sink(key, 'partial.pdf');
    await sink.write(Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1_500_000, 0x41)]));
    assert.ok(
      listDir(s).some((n) => n.endsWith('.part')),
      'sealed frames were being written',
    );
    await sink.abort();
    assert.deepEqual(listDir(s), before);
  });

  it('detects tampering, truncation and the wrong key when reading', async () => {
    const data = Buffer.from('%PDF-1.4\n'.repeat(20_000));
    const { stored } = await store(s, key, 'a.pdf', data, 50_000);
    const file = s.pathOf(stored!.id);
    const original = fs.readFileSync(file);
    await assert.rejects(readAll(s.read(stored!.id, crypto.randomBytes(32))), CryptoError);
    const flipped = Buffer.from(original);
    flipped[100] = (flipped[100] as number) ^ 1;
    fs.writeFileSync(file, flipped);
    await assert.rejects(readAll(s.read(stored!.id, key)), CryptoError);
    fs.writeFileSync(file, original.subarray(0, original.length - 10));
    await assert.rejects(readAll(s.read(stored!.id, key)), CryptoError);
    fs.writeFileSync(file, original);
    assert.ok((await readAll(s.read(stored!.id, key))).equals(data));
    assert.throws(() => s.read('../../etc/passwd', key));
  });

  it('cleans declared names', () => {
    assert.equal(cleanFileName('../../etc/passwd'), 'passwd');
    assert.equal(cleanFileName('photo\u202Egpj.exe', 'image/jpeg'), 'photogpj.exe.jpg');
    assert.equal(cleanFileName(''), 'file');
    assert.equal(cleanFileName('...hidden'), 'hidden');
    const long = cleanFileName(`${'x'.repeat(500)}.jpeg`, 'image/jpeg');
    assert.ok([...long].length <= 100);
    assert.ok(long.endsWith('.jpeg'));
  });

  it('never throws on random or cut input: each file is stored or refused, nothing else is left', async () => {
    const seeds = [
      await noisyJpeg(),
      await sharp({ create: { width: 9, height: 9, channels: 3, background: 'red' } })
        .png()
        .toBuffer(),
      await sharp({ create: { width: 9, height: 9, channels: 3, background: 'red' } })
        .gif()
        .toBuffer(),
      Buffer.from('plain text ✓'),
      Buffer.from('%PDF-1.4\n'),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
          fc
            .tuple(
              fc.constantFrom(...seeds),
              fc.nat(),
              fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 5 }),
            )
            .map(([seed, cut, flips]) => {
              const b = Buffer.from(seed.subarray(0, cut % (seed.length + 1)));
              for (const [at, v] of flips) if (b.length > 0) b[at % b.length] = v;
              return b;
            }),
        ),
        fc.integer({ min: 1, max: 700 }),
        async (data, chunk) => {
          const outcome: AttachmentOutcome = await store(s, key, 'x', data, chunk);
          assert.ok(Boolean(outcome.stored) !== Boolean(outcome.problem));
          if (outcome.stored) {
            await readAll(s.read(outcome.stored.id, key));
            await s.remove(outcome.stored.id);
          }
        },
      ),
      { numRuns: 300 },
    );
    assert.equal(listDir(s).filter((n) => n.endsWith('.part')).length, 0);
  });
});

for (const dialect of await dialects()) {
  describe(`attachment sweep (${dialect})`, () => {
    it('removes old files no report took, and keeps those a report holds', async () => {
      const t = await createTestApp(dialect);
      try {
        const fx = await openReportChannel(t);
        const r = reportsOf(t.app.vigil);
        const contentKey = crypto.randomBytes(32);
        const kept = (await store(r.attachments, contentKey, 'kept.txt', Buffer.from('evidence'))).stored!;
        const orphan = (await store(r.attachments, contentKey, 'orphan.txt', Buffer.from('left behind')))
          .stored!;
        await r.intake.submit({
          questionnaireId: fx.questionnaireId,
          answers: { summary: 'A visit', details: 'Details here', kind: 'in-person' },
          identity: { mode: 'anonymous' },
          source: 'web',
          lang: 'en',
          files: [kept],
          contentKey,
        });
        const crashed = path.join(r.attachments.dir, `${crypto.randomUUID()}.part`);
        fs.writeFileSync(crashed, 'sealed frames of an upload cut by a crash');
        const now = Date.now();
        assert.equal(await r.attachments.sweepOrphans(t.db.handle.db, 3_600_000, now), 0, 'young files stay');
        assert.equal(await r.attachments.sweepOrphans(t.db.handle.db, 3_600_000, now + 7_200_000), 2);
        assert.ok(fs.existsSync(r.attachments.pathOf(kept.id)));
        assert.equal(fs.existsSync(r.attachments.pathOf(orphan.id)), false);
        assert.equal(fs.existsSync(crashed), false);
      } finally {
        await t.close();
      }
    });
  });
}
