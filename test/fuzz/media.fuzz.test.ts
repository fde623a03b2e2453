/**
 * Property-based fuzzing of the upload forms: random bytes as files (with image and video magic
 * bytes in front, or a real image cut anywhere), huge and hostile fields, broken multipart bodies,
 * wrong boundaries and content types. Never a 5xx, never a leftover temporary file, never a row
 * without its files, and the audit chain stays intact.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import { createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { multipartBody, type Part } from '../helpers/multipart.ts';

const MAGIC = [
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  Buffer.from('89504e470d0a1a0a', 'hex'),
  Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'),
  Buffer.from('\0\0\0\x20ftypisom\0\0\x02\0isomiso2', 'latin1'),
  Buffer.from('1a45dfa39f4286810142f7810142f2810442f381084282847765626d', 'hex'),
  Buffer.from('WEBVTT\n\n', 'latin1'),
  Buffer.alloc(0),
];

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom('', ' ', '\u0000', '<script>alert(1)</script>', '间谍', '../../etc/passwd', '"\r\n--x'),
  fc.integer({ min: 301, max: 20_000 }).map((n) => '字'.repeat(n)),
);

function listFiles(root: string): string[] {
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

for (const dialect of await dialects()) {
  describe(`media upload fuzzing (${dialect})`, () => {
    let t: TestApp;
    let editor: HttpClient;
    let videoId: string;
    let jpeg: Buffer;
    const runs = dialect === 'sqlite' ? 120 : 50;

    before(async () => {
      t = await createTestApp(dialect, { VIGIL_MEDIA_MAX_IMAGE_MB: '1', VIGIL_MEDIA_MAX_VIDEO_MB: '1' });
      editor = await signIn(t, await createStaff(t, 'fuzz-media-editor', ['editor']));
      jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#a33' } })
        .jpeg()
        .toBuffer();
      await editor.get('/admin/media/videos/new');
      const tiny = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'tiny.webm'));
      const { body, contentType } = multipartBody([
        ['_csrf', editor.csrf!],
        ['altZh', '视频'],
        ['altEn', 'Video'],
        ['video', { filename: 'v.webm', content: tiny }],
      ]);
      const res = await editor.postRaw('/admin/media/videos', body, contentType);
      assert.equal(res.statusCode, 303);
      videoId = /\/admin\/media\/([0-9a-f-]{36})/.exec(String(res.headers.location))![1]!;
    });
    after(() => t.close());

    const fileContent = () =>
      fc.oneof(
        fc
          .tuple(fc.constantFrom(...MAGIC), fc.uint8Array({ maxLength: 3000 }))
          .map(([m, b]) => Buffer.concat([m, b])),
        fc.nat().map((n) => jpeg.subarray(0, n % (jpeg.length + 1))),
        fc.integer({ min: 1024 * 1024 - 10, max: 1024 * 1024 + 10 }).map((n) => Buffer.alloc(n, 0xff)),
      );

    const form = (fileFields: string[]) =>
      fc
        .tuple(
          fc.array(
            fc.oneof(
              fc.tuple(fc.constantFrom('altZh', 'altEn', 'other', '__proto__', '_csrf'), hostileText),
              fc.tuple(
                fc.constantFrom(...fileFields, 'unknown'),
                fileContent().map((content) => ({ filename: 'f.bin', content, type: 'image/jpeg' })),
              ),
            ),
            { maxLength: 8 },
          ),
          fc.boolean(),
        )
        .map(([parts, withToken]) => {
          const list: Part[] = withToken
            ? [['_csrf', editor.csrf!], ...(parts as Part[])]
            : (parts as Part[]);
          return multipartBody(list);
        });

    /** Damages a valid body: cuts it, flips bytes, changes the boundary or the content type. */
    const damaged = (fileFields: string[]) =>
      fc
        .tuple(
          form(fileFields),
          fc.nat(),
          fc.nat(),
          fc.constantFrom('cut', 'flip', 'boundary', 'type', 'none', 'garbage'),
        )
        .map(([{ body, contentType }, a, b, how]) => {
          switch (how) {
            case 'cut':
              return { body: body.subarray(0, a % (body.length + 1)), contentType };
            case 'flip': {
              const copy = Buffer.from(body);
              if (copy.length > 0) copy[a % copy.length] = b % 256;
              return { body: copy, contentType };
            }
            case 'boundary':
              return { body, contentType: 'multipart/form-data; boundary=something-else' };
            case 'type':
              return {
                body,
                contentType: ['multipart/form-data', 'multipart/mixed; boundary=x', 'text/plain'][a % 3]!,
              };
            case 'garbage':
              return {
                body: Buffer.from(Array.from({ length: a % 2000 }, (_, i) => (i * b) % 256)),
                contentType,
              };
            default:
              return { body, contentType };
          }
        });

    async function fuzz(url: string, fileFields: string[]) {
      await fc.assert(
        fc.asyncProperty(damaged(fileFields), async ({ body, contentType }) => {
          const res = await editor.postRaw(url, body, contentType);
          assert.ok(res.statusCode < 500, `${url} answered ${res.statusCode}`);
          if (String(res.headers['content-type']).startsWith('text/html'))
            assert.doesNotMatch(res.body, /node_modules|at async |FST_ERR/, 'no internals leak');
        }),
        { numRuns: runs },
      );
    }

    it('image uploads', async () => {
      await editor.get('/admin/media/images/new');
      await fuzz('/admin/media/images', ['image']);
    });

    it('video uploads', async () => {
      await fuzz('/admin/media/videos', ['video', 'poster', 'captionsZh', 'captionsEn']);
    });

    it('poster and caption replacement', async () => {
      await fuzz(`/admin/media/${videoId}/tracks`, ['poster', 'captionsZh', 'captionsEn']);
    });

    it('left no temporary file, only whole records, and an intact audit chain', async () => {
      const root = path.join(t.config.dataDir, 'media');
      const files = listFiles(root);
      assert.deepEqual(
        files.filter((f) => f.startsWith('.incoming') || path.basename(f).startsWith('.')),
        [],
      );
      const rows = await t.db.handle.db.selectFrom('media').selectAll().execute();
      const expected = rows
        .flatMap((r) => (JSON.parse(r.variants) as { name: string }[]).map((v) => `${r.id}/${v.name}`))
        .sort();
      assert.deepEqual(files, expected);
      for (const r of rows) {
        if (r.kind !== 'captions') {
          assert.ok(r.alt_en.trim().length > 0 && r.alt_en.length <= 300, 'stored alternative text is valid');
          assert.ok(r.alt_zh.trim().length > 0 && r.alt_zh.length <= 300);
        }
      }
      assert.ok((await t.app.vigil.audit.verify()).ok);
      assert.equal((await editor.get('/admin/media')).statusCode, 200, 'still signed in and working');
    });
  });
}
