import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  boundaryOf,
  type FileSink,
  type MultipartLimits,
  parseMultipart,
  parsePartHeaders,
} from './multipart.ts';

const LIMITS: MultipartLimits = {
  files: { file: 1000, other: 10 },
  fieldBytes: 50,
  fields: 5,
  totalBytes: 10_000,
};

function body(boundary: string, parts: [string, string | { filename: string; data: Buffer }][]): Buffer {
  const out: Buffer[] = [Buffer.from('preamble to ignore\r\n')];
  for (const [name, value] of parts) {
    out.push(Buffer.from(`--${boundary}\r\n`));
    if (typeof value === 'string') {
      out.push(Buffer.from(`Content-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    } else {
      out.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\nContent-Type: text/html\r\n\r\n`,
        ),
        value.data,
        Buffer.from('\r\n'),
      );
    }
  }
  out.push(Buffer.from(`--${boundary}--\r\nepilogue`));
  return Buffer.concat(out);
}

/** A stream that delivers the bytes cut at the given positions. */
function chunked(data: Buffer, cuts: number[]): Readable {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let last = 0;
  for (const p of [...points, data.length]) {
    if (p > last) pieces.push(data.subarray(last, p));
    last = p;
  }
  return Readable.from(pieces);
}

describe('multipart parser', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-multipart-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the boundary from the content type', () => {
    assert.equal(boundaryOf('multipart/form-data; boundary=abc'), 'abc');
    assert.equal(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b:c"'), 'a b:c');
    assert.equal(boundaryOf('multipart/form-data'), undefined);
    assert.equal(boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`), undefined);
    assert.equal(boundaryOf('multipart/form-data; boundary=a\u0000b'), undefined);
  });

  it('reads part headers, including encoded quotes', () => {
    assert.deepEqual(parsePartHeaders('Content-Disposition: form-data; name="a%22b"; filename="x.jpg"'), {
      name: 'a"b',
      filename: 'x.jpg',
    });
    assert.deepEqual(parsePartHeaders('content-disposition: form-data; name=plain'), {
      name: 'plain',
      filename: undefined,
    });
    assert.deepEqual(parsePartHeaders('Content-Disposition: attachment; name="x"'), {
      name: undefined,
      filename: undefined,
    });
  });

  it('parses fields and streams files whatever the chunking', async () => {
    const data = Buffer.from([...Array(700).keys()].map((i) => (i * 7) % 256));
    // The file holds the boundary without its leading CRLF, and ends with the start of a delimiter.
    const tricky = Buffer.concat([Buffer.from('--XyZ\r\n'), data, Buffer.from('\r\n--Xy\r\n-')]);
    const raw = body('XyZ', [
      ['_csrf', 'token'],
      ['text', '间谍 & <b>'],
      ['text', 'second'],
      ['file', { filename: 'a.bin', data: tricky }],
      ['ignored', { filename: 'b.bin', data: Buffer.from('not accepted') }],
    ]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 30 }), async (cuts) => {
        let checked: unknown;
        const form = await parseMultipart(chunked(raw, cuts), {
          boundary: 'XyZ',
          limits: LIMITS,
          tempDir: dir,
          beforeFirstFile: (fields) => {
            checked = fields._csrf;
          },
        });
        assert.equal(form.problem, undefined);
        assert.equal(checked, 'token', 'the token was seen before the file');
        assert.deepEqual({ ...form.fields }, { _csrf: 'token', text: ['间谍 & <b>', 'second'] });
        const file = form.files.get('file')!;
        assert.ok(file.path);
        assert.ok(fs.readFileSync(file.path).equals(tricky));
        assert.equal(file.bytes, tricky.length);
        assert.equal(form.files.has('ignored'), false);
        fs.rmSync(file.path);
      }),
      { numRuns: 60 },
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('flags an oversized file and keeps nothing of it, and cuts long fields', async () => {
    const raw = body('b', [
      ['long', 'x'.repeat(80)],
      ['other', { filename: 'o', data: Buffer.alloc(11, 1) }],
      ['file', { filename: 'f', data: Buffer.alloc(5, 2) }],
    ]);
    const form = await parseMultipart(chunked(raw, [3, 50, 100]), {
      boundary: 'b',
      limits: LIMITS,
      tempDir: dir,
    });
    assert.equal(form.truncated, true);
    assert.equal((form.fields.long as string).length, 50);
    assert.equal(form.files.get('other')?.tooLarge, true);
    assert.equal(form.files.get('other')?.path, undefined);
    assert.equal(form.files.get('file')?.bytes, 5);
    fs.rmSync(form.files.get('file')!.path!);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('stops at the body limit, keeping the fields read before it', async () => {
    const raw = body('b', [
      ['name', 'kept'],
      ['file', { filename: 'f', data: Buffer.alloc(20_000, 1) }],
    ]);
    const form = await parseMultipart(Readable.from([raw]), {
      boundary: 'b',
      limits: { ...LIMITS, files: { file: 100_000 } },
      tempDir: dir,
    });
    assert.equal(form.problem, 'too-large');
    assert.equal(form.fields.name, 'kept');
    assert.equal(form.files.get('file')?.path, undefined);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('reports broken bodies without throwing and leaves no file', async () => {
    const good = body('b', [
      ['a', '1'],
      ['file', { filename: 'f', data: Buffer.alloc(300, 9) }],
    ]);
    const broken = [
      good.subarray(0, good.length - 20), // cut short inside the last part
      good.subarray(0, 60),
      Buffer.from('no boundary at all'),
      Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\n'), // headers never end
      Buffer.concat([Buffer.from('--b\r\n'), Buffer.alloc(9000, 65)]), // headers too long
      Buffer.from('--bX\r\n'),
    ];
    for (const raw of broken) {
      const form = await parseMultipart(Readable.from([raw]), {
        boundary: 'b',
        limits: LIMITS,
        tempDir: dir,
      });
      assert.equal(form.problem, 'malformed', raw.toString('latin1').slice(0, 40));
      for (const f of form.files.values()) if (f.path) fs.rmSync(f.path);
    }
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('removes written files when the token check fails or the stream breaks', async () => {
    const raw = body('b', [['file', { filename: 'f', data: Buffer.alloc(100, 1) }]]);
    await assert.rejects(
      parseMultipart(Readable.from([raw]), {
        boundary: 'b',
        limits: LIMITS,
        tempDir: dir,
        beforeFirstFile: () => {
          throw new Error('no token');
        },
      }),
      /no token/,
    );
    const failing = new Readable({
      read() {
        this.push(raw.subarray(0, 120));
        this.destroy(new Error('connection reset'));
      },
    });
    await assert.rejects(
      parseMultipart(failing, { boundary: 'b', limits: LIMITS, tempDir: dir }),
      /connection reset/,
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  describe('with sinks', () => {
    /** A sink that keeps its bytes in memory and records what was asked of it; writes are slow. */
    function memorySinks() {
      const log: { field: string; name: string; chunks: Buffer[]; state: string }[] = [];
      let writing = 0;
      let overlapped = false;
      const sinkFor = (field: string, name: string): FileSink => {
        const entry = { field, name, chunks: [] as Buffer[], state: 'open' };
        log.push(entry);
        return {
          async write(chunk) {
            if (writing > 0) overlapped = true;
            writing++;
            await new Promise((r) => setImmediate(r));
            entry.chunks.push(Buffer.from(chunk));
            writing--;
          },
          async finish() {
            entry.state = 'finished';
            return { name, size: Buffer.concat(entry.chunks).length };
          },
          async abort() {
            entry.state = 'aborted';
            entry.chunks = [];
          },
        };
      };
      return { log, sinkFor, overlapped: () => overlapped };
    }

    it('streams several files per field into sinks, in arrival order, writing nothing to disk', async () => {
      const a = Buffer.alloc(700, 1);
      const b = Buffer.from('second file');
      const raw = body('b', [
        ['_csrf', 'token'],
        ['note', 'kept'],
        ['file', { filename: '../../etc/a.jpg', data: a }],
        ['other', { filename: 'o.txt', data: Buffer.from('xy') }],
        ['file', { filename: 'b.txt', data: b }],
        ['file', { filename: 'c.txt', data: Buffer.from('one too many') }],
      ]);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat(), { maxLength: 20 }), async (cuts) => {
          const sinks = memorySinks();
          let checkedBefore = 0;
          const form = await parseMultipart(chunked(raw, cuts), {
            boundary: 'b',
            limits: { ...LIMITS, maxFilesPerField: 2 },
            sinkFor: sinks.sinkFor,
            beforeFirstFile: (fields) => {
              assert.equal(fields._csrf, 'token');
              checkedBefore = sinks.log.length + 1;
            },
          });
          assert.equal(checkedBefore, 1, 'the token was checked before the first sink opened');
          assert.equal(form.problem, undefined);
          assert.equal(form.fields.note, 'kept');
          assert.deepEqual(
            form.uploads.map((u) => [u.field, u.declaredName, u.bytes, u.tooMany]),
            [
              ['file', '../../etc/a.jpg', 700, false],
              ['other', 'o.txt', 2, false],
              ['file', 'b.txt', b.length, false],
              ['file', 'c.txt', 0, true],
            ],
          );
          assert.deepEqual(form.uploads[0]?.result, { name: '../../etc/a.jpg', size: 700 });
          assert.equal(form.uploads[3]?.result, undefined);
          assert.equal(form.files.get('file'), form.uploads[0]);
          assert.ok(form.uploads.every((u) => u.path === undefined));
          assert.deepEqual(
            sinks.log.map((e) => e.state),
            ['finished', 'finished', 'finished'],
          );
          assert.ok(Buffer.concat(sinks.log[0]!.chunks).equals(a));
          assert.ok(Buffer.concat(sinks.log[2]!.chunks).equals(b));
          assert.equal(sinks.overlapped(), false, 'each write was awaited before the next');
        }),
        { numRuns: 30 },
      );
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it('keeps file bytes that look like the start of a boundary, however the chunks fall', async () => {
      const boundary = 'XyZboundary';
      // Near-misses of "\r\n--XyZboundary" inside the file, where the carried tail meets the next chunk.
      const pieces = ['\r', '\r\n', '\r\n-', '\r\n--', '\r\n--XyZ', '\r\n--XyZboundar', 'plain text'];
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom(...pieces), { maxLength: 40 }),
          fc.array(fc.nat(), { maxLength: 25 }),
          async (parts, cuts) => {
            const data = Buffer.from(parts.join(''));
            const raw = body(boundary, [
              ['_csrf', 'token'],
              ['file', { filename: 'f.txt', data }],
              ['after', 'field after the file'],
            ]);
            const sinks = memorySinks();
            const form = await parseMultipart(chunked(raw, cuts), {
              boundary,
              limits: LIMITS,
              sinkFor: sinks.sinkFor,
            });
            assert.equal(form.problem, undefined);
            assert.equal(form.fields.after, 'field after the file');
            assert.ok(Buffer.concat(sinks.log[0]?.chunks ?? []).equals(data));
          },
        ),
        { numRuns: 150 },
      );
    });

    it('gives a named empty file to its sink, and ignores an input left empty', async () => {
      const raw = body('b', [
        ['file', { filename: '', data: Buffer.alloc(0) }],
        ['other', { filename: 'empty.txt', data: Buffer.alloc(0) }],
      ]);
      const sinks = memorySinks();
      const form = await parseMultipart(Readable.from([raw]), {
        boundary: 'b',
        limits: LIMITS,
        sinkFor: sinks.sinkFor,
      });
      assert.deepEqual(
        form.uploads.map((u) => [u.field, u.declaredName, u.bytes]),
        [['other', 'empty.txt', 0]],
      );
      assert.deepEqual(form.uploads[0]?.result, { name: 'empty.txt', size: 0 });
      assert.equal(sinks.log.length, 1);
    });

    it('aborts the sink on a file over its limit, a body over its limit, a broken body or a failure', async () => {
      const big = body('b', [['other', { filename: 'o', data: Buffer.alloc(11, 1) }]]);
      let sinks = memorySinks();
      let form = await parseMultipart(chunked(big, [60, 70]), {
        boundary: 'b',
        limits: LIMITS,
        sinkFor: sinks.sinkFor,
      });
      assert.equal(form.uploads[0]?.tooLarge, true);
      assert.equal(form.uploads[0]?.result, undefined);
      assert.deepEqual(
        sinks.log.map((e) => e.state),
        ['aborted'],
      );

      const huge = body('b', [['file', { filename: 'f', data: Buffer.alloc(20_000, 1) }]]);
      sinks = memorySinks();
      form = await parseMultipart(Readable.from([huge]), {
        boundary: 'b',
        limits: { ...LIMITS, files: { file: 100_000 } },
        sinkFor: sinks.sinkFor,
      });
      assert.equal(form.problem, 'too-large');
      assert.deepEqual(
        sinks.log.map((e) => e.state),
        ['aborted'],
      );

      const good = body('b', [['file', { filename: 'f', data: Buffer.alloc(300, 9) }]]);
      sinks = memorySinks();
      form = await parseMultipart(Readable.from([good.subarray(0, good.length - 20)]), {
        boundary: 'b',
        limits: LIMITS,
        sinkFor: sinks.sinkFor,
      });
      assert.equal(form.problem, 'malformed');
      assert.deepEqual(
        sinks.log.map((e) => e.state),
        ['aborted'],
      );

      sinks = memorySinks();
      const failing = new Readable({
        read() {
          this.push(good.subarray(0, 120));
          this.destroy(new Error('connection reset'));
        },
      });
      await assert.rejects(
        parseMultipart(failing, { boundary: 'b', limits: LIMITS, sinkFor: sinks.sinkFor }),
        /connection reset/,
      );
      assert.deepEqual(
        sinks.log.map((e) => e.state),
        ['aborted'],
      );

      // A refused token: no sink is ever opened.
      sinks = memorySinks();
      await assert.rejects(
        parseMultipart(Readable.from([good]), {
          boundary: 'b',
          limits: LIMITS,
          sinkFor: sinks.sinkFor,
          beforeFirstFile: () => {
            throw new Error('no token');
          },
        }),
        /no token/,
      );
      assert.equal(sinks.log.length, 0);
      assert.deepEqual(fs.readdirSync(dir), []);
    });
  });
});
