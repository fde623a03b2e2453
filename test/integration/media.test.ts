/**
 * Media: image uploads re-encoded without metadata, video with poster and captions served with
 * HTTP Range, refused uploads that keep what was typed, the public file address, roles, and the
 * service used without HTTP (content packs).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { mediaServiceOf } from '../../src/modules/media/module.ts';
import type { MediaService } from '../../src/modules/media/service.ts';
import { imageMarkup, videoMarkup } from '../../src/modules/media/views.ts';
import { SYSTEM_ACTOR } from '../../src/platform/audit/audit-log.ts';
import { createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { multipartBody, type Part } from '../helpers/multipart.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

const VTT_ZH =
  'WEBVTT\n\n1\n00:00:00.000 --> 00:00:00.500\n警惕高薪“咨询”\n\n00:00.500 --> 00:01.000 align:center\n<v 旁白>请举报</v>\n';
const VTT_EN =
  '\uFEFFWEBVTT - English\r\n\r\nNOTE a comment\r\n\r\n00:00:00.000 --> 00:00:01.000\r\nReport it\r\n';

/** A JPEG with EXIF (camera, copyright) and GPS data, stored sideways (orientation 6). */
async function jpegWithGps(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 180, g: 40, b: 40 } } })
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: 'SpyCam', Model: 'Secret Model 9', Copyright: 'Agent X' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '39/1 54/1 27/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '116/1 23/1 0/1',
      },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** True when an EXIF block's first IFD has a GPS pointer (tag 0x8825). */
function hasGpsPointer(exif: Buffer | undefined): boolean {
  if (!exif) return false;
  const tiff = exif.indexOf('Exif\0\0') === 0 ? exif.subarray(6) : exif;
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  const n = u16(ifd);
  for (let i = 0; i < n; i++) if (u16(ifd + 2 + i * 12) === 0x8825) return true;
  return false;
}

/** A tiny real video: made with ffmpeg when it is installed, else the shipped fixture. */
function makeVideo(kind: 'mp4' | 'webm', dir: string): Buffer {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    const out = path.join(dir, `generated.${kind}`);
    const codec =
      kind === 'mp4' ? ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'] : ['-c:v', 'libvpx-vp9', '-b:v', '50k'];
    execFileSync(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=160x90:rate=10:duration=1',
        ...codec,
        '-an',
        out,
      ],
      { stdio: 'ignore', timeout: 60_000 },
    );
    return fs.readFileSync(out);
  } catch {
    return fs.readFileSync(path.join(FIXTURES, `tiny.${kind}`));
  }
}

/** A minimal well-formed MP4 (ftyp, moov with a movie header, mdat) built by hand: valid magic, no codec. */
function minimalMp4(): Buffer {
  const box = (type: string, body: Buffer) => {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(8 + body.length, 0);
    h.write(type, 4, 'latin1');
    return Buffer.concat([h, body]);
  };
  const ftyp = box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2mp41', 'latin1'));
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale
  mvhd.writeUInt32BE(2500, 16); // duration: 2.5 s
  return Buffer.concat([ftyp, box('moov', box('mvhd', mvhd)), box('mdat', Buffer.alloc(2048, 7))]);
}

/** Every file under the media folder, relative to it. */
function mediaFiles(t: TestApp): string[] {
  const root = path.join(t.config.dataDir, 'media');
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(path.relative(root, full));
    }
  };
  if (fs.existsSync(root)) walk(root);
  return out.sort();
}

/** No temporary file anywhere; every folder has a row and every row its files. */
async function assertStorageConsistent(t: TestApp): Promise<void> {
  const files = mediaFiles(t);
  assert.deepEqual(
    files.filter((f) => f.startsWith('.incoming') || path.basename(f).startsWith('.')),
    [],
    'no temporary files left',
  );
  const rows = await t.db.handle.db.selectFrom('media').selectAll().execute();
  const expected = rows
    .flatMap((r) => (JSON.parse(r.variants) as { name: string }[]).map((v) => `${r.id}/${v.name}`))
    .sort();
  assert.deepEqual(files, expected, 'files on disk are exactly the variants of the rows');
}

async function upload(client: HttpClient, url: string, parts: Part[], csrf?: string) {
  const { body, contentType } = multipartBody([['_csrf', csrf ?? client.csrf ?? ''], ...parts]);
  return client.postRaw(url, body, contentType);
}

function idFromLocation(location: unknown): string {
  const m = /^\/admin\/media\/([0-9a-f-]{36})\?m=uploaded$/.exec(String(location));
  assert.ok(m, `redirected to the new file's page (got ${String(location)})`);
  return m[1]!;
}

for (const dialect of await dialects()) {
  describe(`media (${dialect})`, () => {
    let t: TestApp;
    let editor: HttpClient;
    let service: MediaService;
    let tmp: string;
    const events: unknown[] = [];

    before(async () => {
      t = await createTestApp(dialect, { VIGIL_MEDIA_MAX_IMAGE_MB: '2', VIGIL_MEDIA_MAX_VIDEO_MB: '1' });
      editor = await signIn(t, await createStaff(t, 'media-editor', ['editor']));
      service = mediaServiceOf(t.app.vigil);
      t.app.vigil.events.on('content.changed', (e) => {
        events.push(e);
      });
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-media-test-'));
    });
    after(async () => {
      fs.rmSync(tmp, { recursive: true, force: true });
      await t.close();
    });

    it('re-encodes a JPEG upright into responsive sizes with no EXIF, GPS or ICC, and keeps no original', async () => {
      const original = await jpegWithGps(2400, 1200);
      const before = await sharp(original).metadata();
      assert.ok(hasGpsPointer(before.exif), 'the test image carries GPS data');
      assert.equal(before.orientation, 6);

      await editor.get('/admin/media/images/new');
      const res = await upload(editor, '/admin/media/images', [
        ['altZh', '一张红色的图片'],
        ['altEn', 'A red picture'],
        ['image', { filename: 'holiday.jpg', content: original, type: 'image/jpeg' }],
      ]);
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      const id = idFromLocation(res.headers.location);

      const item = await service.get(id);
      assert.ok(item);
      assert.equal(item.kind, 'image');
      // Stored sideways as 2400 × 1200 with orientation 6: upright it is 1200 wide, 2400 tall.
      assert.deepEqual(
        item.variants.map((v) => [v.name, v.width, v.height]),
        [
          ['w400.jpg', 400, 800],
          ['w800.jpg', 800, 1600],
          ['w1200.jpg', 1200, 2400],
        ],
        'never enlarged: the largest is the original width',
      );
      assert.deepEqual(item.alt, { en: 'A red picture', 'zh-CN': '一张红色的图片' });

      for (const v of item.variants) {
        const served = await editor.get(`/media/${id}/${v.name}`);
        assert.equal(served.statusCode, 200);
        assert.equal(served.headers['content-type'], 'image/jpeg');
        assert.equal(served.headers['x-content-type-options'], 'nosniff');
        assert.match(String(served.headers['cache-control']), /immutable/);
        const bytes = served.rawPayload;
        assert.equal(Number(served.headers['content-length']), bytes.length);
        const meta = await sharp(bytes).metadata();
        assert.equal(meta.width, v.width);
        assert.equal(meta.height, v.height);
        assert.equal(meta.exif, undefined, 'no EXIF');
        assert.equal(meta.icc, undefined, 'no ICC profile');
        assert.equal(meta.xmp, undefined, 'no XMP');
        assert.equal(meta.iptc, undefined, 'no IPTC');
        assert.equal(meta.orientation, undefined, 'no orientation tag: the pixels are upright');
        assert.equal(bytes.indexOf('Exif\0\0'), -1);
        assert.equal(bytes.indexOf('SpyCam'), -1);
        assert.equal(bytes.indexOf('Agent X'), -1);
      }
      assert.deepEqual(
        mediaFiles(t).filter((f) => f.startsWith(id)),
        [`${id}/w1200.jpg`, `${id}/w400.jpg`, `${id}/w800.jpg`],
        'only the re-encoded variants are on disk',
      );
      const audit = await t.db.handle.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'media.upload')
        .execute();
      assert.ok(audit.some((a) => a.target_id === id));
      assert.ok(events.some((e) => JSON.stringify(e) === JSON.stringify({ kind: 'media', key: id })));

      const page = await editor.get(`/admin/media/${id}?m=uploaded`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /一张红色的图片/);
      const list = await editor.get('/admin/media');
      assert.equal(list.statusCode, 200);
      assert.match(list.body, new RegExp(`/admin/media/${id}`));
      await assertStorageConsistent(t);
    });

    it('makes 400, 800 and 1600 from a large image; transparent PNGs become WebP, opaque ones JPEG', async () => {
      const big = await sharp({ create: { width: 3000, height: 1500, channels: 3, background: '#2050a0' } })
        .png()
        .toBuffer();
      const a = await service.storeImage({
        source: big,
        alt: { en: 'Blue', 'zh-CN': '蓝色' },
        actor: SYSTEM_ACTOR,
      });
      assert.ok(a.ok);
      assert.deepEqual(
        a.value.variants.map((v) => [v.name, v.width, v.height, v.mime]),
        [
          ['w400.jpg', 400, 200, 'image/jpeg'],
          ['w800.jpg', 800, 400, 'image/jpeg'],
          ['w1600.jpg', 1600, 800, 'image/jpeg'],
        ],
      );
      const clear = await sharp({
        create: { width: 300, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.4 } },
      })
        .png()
        .toBuffer();
      const b = await service.storeImage({
        source: clear,
        alt: { en: 'Clear', 'zh-CN': '透明' },
        actor: SYSTEM_ACTOR,
      });
      assert.ok(b.ok);
      assert.deepEqual(
        b.value.variants.map((v) => [v.name, v.width, v.mime]),
        [['w300.webp', 300, 'image/webp']],
        'a small image keeps its own width, never enlarged',
      );
      const served = await editor.get(`/media/${b.value.id}/w300.webp`);
      assert.equal(served.headers['content-type'], 'image/webp');
      const meta = await sharp(served.rawPayload).metadata();
      assert.equal(meta.hasAlpha, true);
      const webpIn = await sharp({ create: { width: 500, height: 500, channels: 3, background: '#0a0' } })
        .webp()
        .toBuffer();
      const c = await service.storeImage({
        source: webpIn,
        alt: { en: 'Green', 'zh-CN': '绿色' },
        actor: SYSTEM_ACTOR,
      });
      assert.ok(c.ok);
      assert.deepEqual(
        c.value.variants.map((v) => v.name),
        ['w400.jpg', 'w500.jpg'],
      );
      await assertStorageConsistent(t);
    });

    it('refuses wrong, corrupt, oversized or unnamed images with a message and keeps what was typed', async () => {
      const rowsBefore = (await t.db.handle.db.selectFrom('media').select('id').execute()).length;
      const good = await sharp({ create: { width: 500, height: 300, channels: 3, background: '#888' } })
        .jpeg()
        .toBuffer();
      const cases: { parts: Part[]; status: number; message: RegExp; lang: string }[] = [
        {
          // A GIF called .jpg and declared image/jpeg: the bytes decide.
          parts: [
            ['altZh', '<b>粗体</b> & "引号"'],
            ['altEn', 'Kept text'],
            [
              'image',
              {
                filename: 'photo.jpg',
                content: Buffer.from('GIF89a\x01\0\x01\0\0\0\0;', 'latin1'),
                type: 'image/jpeg',
              },
            ],
          ],
          status: 415,
          message: /not a JPEG, PNG or WebP image/,
          lang: 'en',
        },
        {
          parts: [
            ['altZh', '<b>粗体</b> & "引号"'],
            ['altEn', 'Kept text'],
            ['image', { filename: 'cut.jpg', content: good.subarray(0, Math.floor(good.length / 2)) }],
          ],
          status: 400,
          message: /无法读取此图片/,
          lang: 'zh-CN',
        },
        {
          parts: [
            ['altZh', '<b>粗体</b> & "引号"'],
            ['altEn', 'Kept text'],
            [
              'image',
              { filename: 'huge.jpg', content: Buffer.concat([good, Buffer.alloc(2.5 * 1024 * 1024, 1)]) },
            ],
          ],
          status: 413,
          message: /larger than 2 MB/,
          lang: 'en',
        },
        {
          parts: [
            ['altZh', '<b>粗体</b> & "引号"'],
            ['altEn', 'Kept text'],
            ['image', { filename: '', content: '' }],
          ],
          status: 400,
          message: /Choose a file/,
          lang: 'en',
        },
      ];
      for (const c of cases) {
        editor.lang = c.lang;
        await editor.get('/admin/media/images/new');
        const res = await upload(editor, '/admin/media/images', c.parts);
        assert.equal(res.statusCode, c.status, `${c.message}: ${res.body.slice(0, 300)}`);
        assert.match(res.body, c.message);
        assert.match(
          res.body,
          /value="&lt;b&gt;粗体&lt;\/b&gt; &amp; &quot;引号&quot;"/,
          'the typed text is kept, escaped',
        );
        assert.match(res.body, /value="Kept text"/);
      }
      // A missing alternative text, with a good image.
      editor.lang = 'en';
      await editor.get('/admin/media/images/new');
      const noAlt = await upload(editor, '/admin/media/images', [
        ['altZh', '有中文'],
        ['altEn', '   '],
        ['image', { filename: 'ok.jpg', content: good }],
      ]);
      assert.equal(noAlt.statusCode, 400);
      assert.match(noAlt.body, /This is required/);
      assert.match(noAlt.body, /value="有中文"/);
      editor.lang = undefined;

      const rowsAfter = (await t.db.handle.db.selectFrom('media').select('id').execute()).length;
      assert.equal(rowsAfter, rowsBefore, 'nothing was stored');
      await assertStorageConsistent(t);
    });

    it('checks the CSRF token of a multipart form before writing any file', async () => {
      await editor.get('/admin/media/images/new');
      const good = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#123' } })
        .jpeg()
        .toBuffer();
      const forged = await upload(
        editor,
        '/admin/media/images',
        [
          ['altZh', '伪造'],
          ['altEn', 'Forged'],
          ['image', { filename: 'x.jpg', content: good }],
        ],
        'forged-token',
      );
      assert.equal(forged.statusCode, 403);
      // A token placed after the file is too late: the file part is refused before it is written.
      const { body, contentType } = multipartBody([
        ['altZh', '伪造'],
        ['altEn', 'Forged'],
        ['image', { filename: 'x.jpg', content: good }],
        ['_csrf', editor.csrf!],
      ]);
      const late = await editor.postRaw('/admin/media/images', body, contentType);
      assert.equal(late.statusCode, 403);
      const anonymous = await t.client().postRaw('/admin/media/images', body, contentType);
      assert.equal(
        anonymous.statusCode,
        303,
        'anonymous uploads are sent to sign-in before the body is read',
      );
      await assertStorageConsistent(t);
    });

    it('stores a video with poster and captions and serves it with HTTP Range', async () => {
      const mp4 = makeVideo('mp4', tmp);
      const poster = await sharp({ create: { width: 1280, height: 720, channels: 3, background: '#334' } })
        .jpeg()
        .withExif({ IFD0: { Make: 'SpyCam' } })
        .toBuffer();
      editor.lang = 'en';
      await editor.get('/admin/media/videos/new');
      const res = await upload(editor, '/admin/media/videos', [
        ['altZh', '三个警示信号'],
        ['altEn', 'Three warning signs'],
        ['video', { filename: 'clip.mp4', content: mp4, type: 'video/mp4' }],
        ['poster', { filename: 'poster.jpg', content: poster }],
        ['captionsZh', { filename: 'zh.vtt', content: VTT_ZH, type: 'text/vtt' }],
        ['captionsEn', { filename: 'en.vtt', content: VTT_EN }],
      ]);
      assert.equal(res.statusCode, 303, res.body.slice(0, 800));
      const id = idFromLocation(res.headers.location);
      const bundle = await service.videoBundle(id);
      assert.ok(bundle);
      assert.equal(bundle.video.mime, 'video/mp4');
      assert.equal(bundle.video.bytes, mp4.length);
      assert.ok(
        bundle.video.durationMs !== null && Math.abs(bundle.video.durationMs - 1000) <= 100,
        `duration ${bundle.video.durationMs}`,
      );
      assert.ok(bundle.poster);
      assert.equal(bundle.poster.parentId, id);
      assert.deepEqual(
        bundle.poster.variants.map((v) => v.name),
        ['w400.jpg', 'w800.jpg', 'w1280.jpg'],
      );
      assert.deepEqual(bundle.captions.map((c) => [c.kind, c.lang, c.parentId]).sort(), [
        ['captions', 'en', id],
        ['captions', 'zh-CN', id],
      ]);
      const posterServed = await editor.get(`/media/${bundle.poster.id}/w800.jpg`);
      assert.equal(
        (await sharp(posterServed.rawPayload).metadata()).exif,
        undefined,
        'the poster has no EXIF either',
      );

      const url = `/media/${id}/video.mp4`;
      const full = await editor.get(url);
      assert.equal(full.statusCode, 200);
      assert.equal(full.headers['content-type'], 'video/mp4');
      assert.equal(full.headers['accept-ranges'], 'bytes');
      assert.equal(Number(full.headers['content-length']), mp4.length);
      assert.ok(full.rawPayload.equals(mp4), 'stored as is');
      const etag = String(full.headers.etag);
      assert.match(etag, /^"[^"]+"$/, 'a strong ETag');

      const size = mp4.length;
      const ranges: [string, number, number][] = [
        ['bytes=0-99', 0, 99],
        ['bytes=1000-1999', 1000, 1999],
        ['bytes=-500', size - 500, size - 1],
        [`bytes=${size - 10}-`, size - 10, size - 1],
        [`bytes=100-${size + 5000}`, 100, size - 1],
      ];
      for (const [header, start, end] of ranges) {
        const r = await editor.get(url, { range: header });
        assert.equal(r.statusCode, 206, header);
        assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${size}`, header);
        assert.equal(Number(r.headers['content-length']), end - start + 1, header);
        assert.ok(r.rawPayload.equals(mp4.subarray(start, end + 1)), `${header}: the right bytes`);
        assert.equal(r.headers.etag, etag);
      }
      for (const header of [
        `bytes=${size}-`,
        `bytes=${size + 10}-${size + 20}`,
        'bytes=-0',
        'bytes=99999999999999999999-',
      ]) {
        const r = await editor.get(url, { range: header });
        assert.equal(r.statusCode, 416, header);
        assert.equal(r.headers['content-range'], `bytes */${size}`);
      }
      for (const header of ['bytes=0-1,5-6', 'bytes=abc', 'items=0-5', 'bytes=50-10']) {
        const r = await editor.get(url, { range: header });
        assert.equal(r.statusCode, 200, `${header} is ignored: the whole file`);
        assert.equal(r.rawPayload.length, size);
      }
      const notModified = await editor.get(url, { 'if-none-match': etag });
      assert.equal(notModified.statusCode, 304);
      const stale = await editor.get(url, { range: 'bytes=0-9', 'if-range': '"something-else"' });
      assert.equal(stale.statusCode, 200, 'If-Range that no longer matches: the whole file');
      const fresh = await editor.get(url, { range: 'bytes=0-9', 'if-range': etag });
      assert.equal(fresh.statusCode, 206);
      const head = await t.app.inject({ method: 'HEAD', url });
      assert.equal(head.statusCode, 200);
      assert.equal(Number(head.headers['content-length']), size);
      assert.equal(head.rawPayload.length, 0);

      const zh = bundle.captions.find((c) => c.lang === 'zh-CN')!;
      const track = await editor.get(`/media/${zh.id}/captions.vtt`);
      assert.equal(track.statusCode, 200);
      assert.equal(track.headers['content-type'], 'text/vtt; charset=utf-8');
      assert.match(track.body, /^WEBVTT\n\n1\n00:00:00\.000 --> 00:00:00\.500\n警惕/);
      const en = bundle.captions.find((c) => c.lang === 'en')!;
      const enTrack = await editor.get(`/media/${en.id}/captions.vtt`);
      assert.doesNotMatch(enTrack.body, /NOTE|\r|\uFEFF/, 'comments, CRs and the BOM are dropped');

      const page = await editor.get(`/admin/media/${id}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<video /);
      editor.lang = undefined;

      // WebM too.
      const webm = makeVideo('webm', tmp);
      await editor.get('/admin/media/videos/new');
      const w = await upload(editor, '/admin/media/videos', [
        ['altZh', '网络视频'],
        ['altEn', 'A WebM video'],
        ['video', { filename: 'clip.webm', content: webm, type: 'video/webm' }],
      ]);
      assert.equal(w.statusCode, 303, w.body.slice(0, 500));
      const wid = idFromLocation(w.headers.location);
      const ws = await editor.get(`/media/${wid}/video.webm`, { range: 'bytes=0-3' });
      assert.equal(ws.statusCode, 206);
      assert.equal(ws.headers['content-type'], 'video/webm');
      assert.equal(ws.rawPayload.toString('hex'), '1a45dfa3');
      await assertStorageConsistent(t);
    });

    it('refuses invalid captions, wrong or broken videos, and oversized videos, keeping the typed text', async () => {
      const mp4 = makeVideo('mp4', tmp);
      const badCaptions: [string, RegExp][] = [
        [
          'Hello\n\n00:00:00.000 --> 00:00:01.000\nHi\n',
          /Line 1: a WebVTT file must begin with the line WEBVTT/,
        ],
        ['WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nHi\n', /Line 3: expected a cue timing/],
        ['WEBVTT\n\n1\n00:00:02.000 --> 00:00:01.000\nHi\n', /Line 4: the cue ends before it starts/],
        [
          'WEBVTT\n\n00:00:02.000 --> 00:00:03.000\nB\n\n00:00:01.000 --> 00:00:02.000\nA\n',
          /Line 6: cues must be in order/,
        ],
        [
          'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nA\n00:00:01.000 --> 00:00:02.000\nB\n',
          /Line 5: cue text cannot contain --&gt;/,
        ],
        ['WEBVTT\n\nNOTE nothing else\n', /no captions in it/],
      ];
      editor.lang = 'en';
      for (const [vtt, message] of badCaptions) {
        await editor.get('/admin/media/videos/new');
        const res = await upload(editor, '/admin/media/videos', [
          ['altZh', '保留的说明'],
          ['altEn', 'Kept description'],
          ['video', { filename: 'clip.mp4', content: mp4 }],
          ['captionsEn', { filename: 'en.vtt', content: vtt }],
        ]);
        assert.equal(res.statusCode, 400, String(message));
        assert.match(res.body, message);
        assert.match(res.body, /value="保留的说明"/);
        assert.match(res.body, /value="Kept description"/);
      }
      const invalidUtf8 = await upload(editor, '/admin/media/videos', [
        ['altZh', '说明'],
        ['altEn', 'Description'],
        ['video', { filename: 'clip.mp4', content: mp4 }],
        [
          'captionsZh',
          {
            filename: 'zh.vtt',
            content: Buffer.from([0x57, 0x45, 0x42, 0x56, 0x54, 0x54, 0x0a, 0xff, 0xfe]),
          },
        ],
      ]);
      assert.equal(invalidUtf8.statusCode, 400);
      assert.match(invalidUtf8.body, /not UTF-8 text/);

      const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#fff' } })
        .png()
        .toBuffer();
      const videoCases: [Buffer, number, RegExp][] = [
        [png, 415, /not an MP4 or WebM video/],
        [Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1'), 415, /not an MP4 or WebM video/],
        [mp4.subarray(0, mp4.length - 100), 400, /could not be read/],
        [Buffer.concat([mp4, Buffer.alloc(1024 * 1024)]), 413, /larger than 1 MB/],
      ];
      for (const [content, status, message] of videoCases) {
        await editor.get('/admin/media/videos/new');
        const res = await upload(editor, '/admin/media/videos', [
          ['altZh', '保留的说明'],
          ['altEn', 'Kept description'],
          ['video', { filename: 'clip.mp4', content, type: 'video/mp4' }],
        ]);
        assert.equal(res.statusCode, status, `${message}: ${res.body.slice(0, 300)}`);
        assert.match(res.body, message);
        assert.match(res.body, /value="Kept description"/);
      }
      // The whole body over its limit: reading stops, the connection closes, the fields read are kept.
      const huge = await upload(editor, '/admin/media/videos', [
        ['altZh', '保留的说明'],
        ['altEn', 'Kept description'],
        ['video', { filename: 'clip.mp4', content: Buffer.alloc(5 * 1024 * 1024) }],
      ]);
      assert.equal(huge.statusCode, 413);
      assert.equal(huge.headers.connection, 'close');
      assert.match(huge.body, /value="Kept description"/);
      editor.lang = undefined;
      const videos = await t.db.handle.db
        .selectFrom('media')
        .select('id')
        .where('alt_en', '=', 'Kept description')
        .execute();
      assert.equal(videos.length, 0);
      await assertStorageConsistent(t);
    });

    it('replaces captions and poster with new addresses, edits descriptions and deletes with the files', async () => {
      const stored = await service.storeVideo({
        source: minimalMp4(),
        alt: { en: 'Hand-built', 'zh-CN': '手工制作' },
        actor: SYSTEM_ACTOR,
        captions: { en: VTT_EN },
      });
      assert.ok(stored.ok, JSON.stringify(!stored.ok && stored.problems));
      const id = stored.value.video.id;
      assert.equal(stored.value.video.durationMs, 2500);
      const oldEn = stored.value.captions[0]!;

      await editor.get(`/admin/media/${id}`);
      const poster = await sharp({ create: { width: 640, height: 360, channels: 3, background: '#400' } })
        .png()
        .toBuffer();
      const res = await upload(editor, `/admin/media/${id}/tracks`, [
        ['poster', { filename: 'p.png', content: poster }],
        ['captionsEn', { filename: 'en.vtt', content: 'WEBVTT\n\n00:01.000 --> 00:02.000\nNew\n' }],
        ['captionsZh', { filename: '', content: '' }],
      ]);
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      const after = await service.videoBundle(id);
      assert.ok(after?.poster);
      assert.equal(after.captions.length, 1);
      assert.notEqual(after.captions[0]!.id, oldEn.id, 'a replaced track gets a new address');
      assert.equal((await editor.get(`/media/${oldEn.id}/captions.vtt`)).statusCode, 404);
      assert.equal(
        (await editor.get(`/media/${after.captions[0]!.id}/captions.vtt`)).body.includes('New'),
        true,
      );

      const bad = await upload(editor, `/admin/media/${id}/tracks`, [
        ['captionsZh', { filename: 'zh.vtt', content: 'WEBVTT\n\nbroken\n' }],
      ]);
      assert.equal(bad.statusCode, 400);

      await editor.get(`/admin/media/${id}`);
      const noAlt = await editor.postForm(`/admin/media/${id}`, { altZh: '', altEn: 'Only English' });
      assert.equal(noAlt.statusCode, 400);
      assert.match(noAlt.body, /value="Only English"/);
      const alt = await editor.postForm(`/admin/media/${id}`, {
        altZh: '新的说明',
        altEn: 'New description',
      });
      assert.equal(alt.statusCode, 303);
      const posterRow = await service.get(after.poster.id);
      assert.equal(posterRow?.alt.en, 'New description', "the poster's alternative text follows the video's");

      // A post that shows the video keeps it from being deleted.
      const now = t.clock.now();
      await t.db.handle.db
        .insertInto('posts')
        .values({
          id: 'post-1',
          kind: 'post',
          lang: 'en',
          slug: 'uses-video',
          translation_group: 'g1',
          status: 'draft',
          current_revision_id: 'rev-1',
          review_state: 'none',
          pinned: 0,
          created_by: 'x',
          created_at: now,
          updated_at: now,
          version: 1,
        })
        .execute();
      await t.db.handle.db
        .insertInto('post_revisions')
        .values({
          id: 'rev-1',
          post_id: 'post-1',
          n: 1,
          title: 'T',
          summary: 'S',
          body_md: 'text',
          video_media_id: id,
          tags: '[]',
          created_by: 'x',
          created_at: now,
        })
        .execute();
      await editor.get(`/admin/media/${id}`);
      const inUse = await editor.postForm(`/admin/media/${id}/delete`, {});
      assert.equal(inUse.statusCode, 409);
      assert.match(inUse.body, /帖子|文章|post/i);
      await t.db.handle.db.deleteFrom('posts').where('id', '=', 'post-1').execute();

      const del = await editor.postForm(`/admin/media/${id}/delete`, {});
      assert.equal(del.statusCode, 303);
      assert.equal(await service.get(id), undefined);
      assert.equal(await service.get(after.poster.id), undefined, 'the poster goes with it');
      assert.equal((await editor.get(`/media/${id}/video.mp4`)).statusCode, 404);
      const audit = await t.db.handle.db
        .selectFrom('audit_log')
        .select('action')
        .where('target_id', '=', id)
        .execute();
      assert.deepEqual(audit.map((a) => a.action).sort(), [
        'media.alt',
        'media.delete',
        'media.tracks',
        'media.upload',
      ]);
      assert.ok((await t.app.vigil.audit.verify()).ok);
      await assertStorageConsistent(t);
    });

    it('serves only stored files: unknown ids, variants and traversal attempts are 404', async () => {
      const img = await service.storeImage({
        source: await sharp({ create: { width: 100, height: 100, channels: 3, background: '#000' } })
          .jpeg()
          .toBuffer(),
        alt: { en: 'Black', 'zh-CN': '黑色' },
        actor: SYSTEM_ACTOR,
      });
      assert.ok(img.ok);
      const id = img.value.id;
      assert.equal((await t.client().get(`/media/${id}/w100.jpg`)).statusCode, 200, 'public, no sign-in');
      for (const url of [
        `/media/${id}/w400.jpg`,
        `/media/${id}/original.jpg`,
        '/media/00000000-0000-4000-8000-000000000000/w100.jpg',
        `/media/${id}/..%2F..%2Fvigil.sqlite`,
        `/media/${id}/%2e%2e`,
        '/media/..%2F..%2Finstance.key/x.jpg',
        '/media/.incoming/x.jpg',
        `/media/${id}/.w100.jpg.tmp`,
        '/media/../vigil.sqlite',
        `/media/${id.toUpperCase()}/w100.jpg`,
      ]) {
        const r = await t.client().get(url);
        assert.equal(r.statusCode, 404, url);
        assert.equal(r.headers['x-content-type-options'], 'nosniff');
      }
    });

    it('gives editors and admins the forms; reviewers only the list; others nothing', async () => {
      const reviewer = await signIn(t, await createStaff(t, 'media-reviewer', ['reviewer']));
      const handler = await signIn(t, await createStaff(t, 'media-handler', ['handler']));
      assert.equal((await reviewer.get('/admin/media')).statusCode, 200);
      const list = await reviewer.get('/admin/media');
      assert.doesNotMatch(list.body, /\/admin\/media\/images\/new/, 'no upload link for reviewers');
      assert.equal((await reviewer.get('/admin/media/images/new')).statusCode, 403);
      const { body, contentType } = multipartBody([
        ['_csrf', reviewer.csrf!],
        ['altZh', 'x'],
        ['altEn', 'x'],
      ]);
      assert.equal((await reviewer.postRaw('/admin/media/images', body, contentType)).statusCode, 403);
      assert.equal((await handler.get('/admin/media')).statusCode, 403);
      const home = await editor.get('/admin');
      assert.match(home.body, /href="\/admin\/media"/, 'the menu shows Media to editors');
      const handlerHome = await handler.get('/admin');
      assert.doesNotMatch(handlerHome.body, /href="\/admin\/media"/);
      // A urlencoded post to an upload address is answered with the form, not an error.
      await editor.get('/admin/media/images/new');
      const plain = await editor.postForm('/admin/media/images', { altZh: '中', altEn: 'En' });
      assert.equal(plain.statusCode, 400);
      assert.match(plain.body, /value="En"/);
      // Multipart to any other address is still refused.
      const elsewhere = await editor.postRaw('/admin/account/password', body, contentType);
      assert.equal(elsewhere.statusCode, 415);
    });

    it('produces accessible, self-hosted markup for posts', async () => {
      const img = await service.storeImage({
        source: await sharp({ create: { width: 2000, height: 1000, channels: 3, background: '#abc' } })
          .jpeg()
          .toBuffer(),
        alt: { en: 'A "quoted" <sky>', 'zh-CN': '天空' },
        actor: SYSTEM_ACTOR,
      });
      assert.ok(img.ok);
      const id = img.value.id;
      const markup = imageMarkup(img.value, 'en').toString();
      assert.equal(
        markup,
        `<img class="media-image" src="/media/${id}/w800.jpg" srcset="/media/${id}/w400.jpg 400w, /media/${id}/w800.jpg 800w, /media/${id}/w1600.jpg 1600w" sizes="(max-width: 50rem) 100vw, 50rem" alt="A &quot;quoted&quot; &lt;sky&gt;" width="800" height="400" loading="lazy" decoding="async">`,
      );
      assert.match(imageMarkup(img.value, 'zh-CN', '100vw').toString(), /alt="天空"[^>]*/);
      assert.match(imageMarkup(img.value, 'zh-CN', '100vw').toString(), /sizes="100vw"/);

      const v = await service.storeVideo({
        source: fs.readFileSync(path.join(FIXTURES, 'tiny.webm')),
        alt: { en: 'Clip', 'zh-CN': '短片' },
        actor: SYSTEM_ACTOR,
        poster: await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#111' } })
          .jpeg()
          .toBuffer(),
        captions: { 'zh-CN': Buffer.from(VTT_ZH), en: VTT_EN },
      });
      assert.ok(v.ok);
      const { video, poster, captions } = v.value;
      const zhId = captions.find((c) => c.lang === 'zh-CN')!.id;
      const enId = captions.find((c) => c.lang === 'en')!.id;
      const vm = videoMarkup(video, poster, captions, 'zh-CN').toString();
      assert.equal(
        vm,
        `<video class="media-video" controls preload="none" playsinline poster="/media/${poster!.id}/w800.jpg" width="800" height="450" aria-label="短片"><source src="/media/${video.id}/video.webm" type="video/webm"><track kind="captions" srclang="zh-CN" label="中文" src="/media/${zhId}/captions.vtt" default><track kind="captions" srclang="en" label="English" src="/media/${enId}/captions.vtt"><p><a href="/media/${video.id}/video.webm" download>下载视频</a></p></video>`,
      );
      assert.match(
        videoMarkup(video, poster, captions, 'en').toString(),
        /srclang="en" label="English" src="[^"]+" default>/,
      );
      assert.doesNotMatch(vm + markup, /https?:\/\//, 'nothing from another site');
    });

    it('works without HTTP for content packs, and takes files over only when asked', async () => {
      const file = path.join(tmp, 'pack-poster.png');
      await sharp({ create: { width: 900, height: 500, channels: 3, background: '#363' } })
        .png()
        .toFile(file);
      const keep = await service.storeImage({
        source: { path: file },
        alt: { en: 'Kept source', 'zh-CN': '保留源文件' },
        actor: SYSTEM_ACTOR,
        id: '11111111-2222-4333-8444-555555555555',
      });
      assert.ok(keep.ok);
      assert.equal(keep.value.id, '11111111-2222-4333-8444-555555555555');
      assert.ok(fs.existsSync(file), 'a file not handed over is left alone');
      const again = await service.storeImage({
        source: { path: file },
        alt: { en: 'x', 'zh-CN': 'x' },
        actor: SYSTEM_ACTOR,
        id: '11111111-2222-4333-8444-555555555555',
      });
      assert.ok(!again.ok && again.problems.some((p) => p.code === 'exists'));
      const moved = await service.storeImage({
        source: { path: file, move: true },
        alt: { en: '', 'zh-CN': '' },
        actor: SYSTEM_ACTOR,
      });
      assert.ok(!moved.ok);
      assert.deepEqual(moved.problems.map((p) => [p.field, p.code]).sort(), [
        ['altEn', 'required'],
        ['altZh', 'required'],
      ]);
      assert.ok(!fs.existsSync(file), 'a file handed over is gone even when refused');

      const videoFile = path.join(tmp, 'pack.mp4');
      fs.copyFileSync(path.join(FIXTURES, 'tiny.mp4'), videoFile);
      const stored = await (t.app.vigil.services.get('media') as MediaService).storeVideo({
        source: { path: videoFile },
        alt: { en: 'Pack video', 'zh-CN': '内容包视频' },
        actor: SYSTEM_ACTOR,
        captions: { 'zh-CN': VTT_ZH, en: VTT_EN },
      });
      assert.ok(stored.ok);
      assert.ok(fs.existsSync(videoFile));
      assert.equal(stored.value.captions.length, 2);
      await assertStorageConsistent(t);
    });
  });
}
