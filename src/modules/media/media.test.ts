import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { targetWidths } from './images.ts';
import { parseRange } from './serve.ts';
import { ebmlDocType, sniff } from './sniff.ts';
import { checkVideoFile } from './video.ts';
import { validateWebVtt } from './webvtt.ts';

const FIXTURES = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'fixtures',
);

describe('media: magic bytes', () => {
  it('recognises the five accepted formats from their bytes alone', () => {
    assert.equal(sniff(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
    assert.equal(sniff(Buffer.from('89504e470d0a1a0a0000', 'hex')), 'image/png');
    assert.equal(sniff(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1')), 'image/webp');
    assert.equal(sniff(Buffer.from('\0\0\0\x20ftypisom\0\0\x02\0isomiso2', 'latin1')), 'video/mp4');
    assert.equal(sniff(fs.readFileSync(path.join(FIXTURES, 'tiny.mp4'))), 'video/mp4');
    assert.equal(sniff(fs.readFileSync(path.join(FIXTURES, 'tiny.webm'))), 'video/webm');
  });

  it('refuses look-alikes: HEIC/AVIF/QuickTime, Matroska, RIFF WAVE, GIF, SVG, text', () => {
    for (const head of [
      '\0\0\0\x18ftypheic\0\0\0\0mif1heic',
      '\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf',
      '\0\0\0\x14ftypqt  \0\0\0\0qt  ',
      'RIFF\0\0\0\0WAVEfmt ',
      'GIF89a',
      '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
      '<?xml version="1.0"?>',
      'WEBVTT',
      '',
    ])
      assert.equal(sniff(Buffer.from(head, 'latin1')), undefined, JSON.stringify(head));
    const matroska = Buffer.from('1a45dfa3a34286810142f7810142f2810442f381084282886d6174726f736b61', 'hex');
    assert.equal(ebmlDocType(matroska), 'matroska');
    assert.equal(sniff(matroska), undefined);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        sniff(Buffer.from(bytes));
        ebmlDocType(Buffer.from(bytes));
      }),
      { numRuns: 500 },
    );
  });
});

describe('media: video containers', () => {
  it('accepts whole files and reads their duration; refuses truncated ones', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-video-'));
    try {
      for (const [name, mime] of [
        ['tiny.mp4', 'video/mp4'],
        ['tiny.webm', 'video/webm'],
      ] as const) {
        const whole = await checkVideoFile(path.join(FIXTURES, name), mime);
        assert.ok(whole.ok, name);
        assert.ok(
          whole.durationMs !== null && Math.abs(whole.durationMs - 1000) <= 100,
          `${name}: ${whole.durationMs}`,
        );
        const bytes = fs.readFileSync(path.join(FIXTURES, name));
        const cut = path.join(dir, name);
        fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 200));
        assert.equal((await checkVideoFile(cut, mime)).ok, false, `${name} cut short`);
        fs.writeFileSync(cut, bytes.subarray(0, 40));
        assert.equal((await checkVideoFile(cut, mime)).ok, false, `${name}: header only`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('media: image widths', () => {
  it('never enlarges', () => {
    assert.deepEqual(targetWidths(5000), [400, 800, 1600]);
    assert.deepEqual(targetWidths(1600), [400, 800, 1600]);
    assert.deepEqual(targetWidths(1000), [400, 800, 1000]);
    assert.deepEqual(targetWidths(800), [400, 800]);
    assert.deepEqual(targetWidths(120), [120]);
  });
});

describe('media: HTTP ranges', () => {
  it('follows RFC 9110 for single ranges', () => {
    assert.deepEqual(parseRange(undefined, 100), { kind: 'none' });
    assert.deepEqual(parseRange('bytes=0-9', 100), { kind: 'range', start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { kind: 'range', start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-10', 100), { kind: 'range', start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-1000', 100), { kind: 'range', start: 0, end: 99 });
    assert.deepEqual(parseRange('bytes=50-5000', 100), { kind: 'range', start: 50, end: 99 });
    assert.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
    for (const ignored of ['bytes=5-1', 'bytes=a-b', 'bytes=-', 'bytes=0-1,3-4', 'lines=0-1', 'bytes 0-1'])
      assert.deepEqual(parseRange(ignored, 100), { kind: 'none' }, ignored);
  });

  it('always answers within the file for any header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.nat({ max: 10_000 }), (header, size) => {
        const r = parseRange(`bytes=${header}`, size);
        if (r.kind === 'range') assert.ok(r.start >= 0 && r.start <= r.end && r.end < size);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('media: WebVTT', () => {
  it('accepts valid files and rewrites them canonically', () => {
    const r = validateWebVtt(
      Buffer.from(
        '\uFEFFWEBVTT Kind: captions\r\nLanguage: en\r\n\r\nSTYLE\r\n::cue { color: red }\r\n\r\nNOTE hi\r\n\r\nintro\r\n00:01.000 --> 00:02.500 align:start position:10%\r\n<v Ann>Hello</v>\r\n\r\n\r\n01:00:00.000 --> 01:00:01.000\r\nBye\r\n',
      ),
    );
    assert.ok(r.ok);
    assert.equal(r.cues, 2);
    assert.equal(
      r.text,
      'WEBVTT\n\nintro\n00:01.000 --> 00:02.500 align:start position:10%\n<v Ann>Hello</v>\n\n01:00:00.000 --> 01:00:01.000\nBye\n',
    );
  });

  it('names the problem and its line', () => {
    const cases: [string | Buffer, string, number][] = [
      ['WEBVT\n', 'header', 1],
      ['WEBVTTX\n\n00:00.000 --> 00:01.000\na\n', 'header', 1],
      ['WEBVTT\n00:00.000 --> 00:01.000\na\n', 'header', 2],
      ['WEBVTT\n\n00:00.000 --> 00:01.00\na\n', 'timing', 3],
      ['WEBVTT\n\n00:60.000 --> 01:01.000\na\n', 'timing', 3],
      ['WEBVTT\n\nid\nnot a timing\n', 'timing', 4],
      ['WEBVTT\n\n00:00.000 --> 00:01.000 colour:red\na\n', 'timing', 3],
      ['WEBVTT\n\n00:02.000 --> 00:01.000\na\n', 'end-before-start', 3],
      ['WEBVTT\n\n00:02.000 --> 00:03.000\na\n\n00:01.000 --> 00:04.000\nb\n', 'out-of-order', 6],
      ['WEBVTT\n\n00:00.000 --> 00:01.000\na --> b\n', 'arrow-in-text', 4],
      ['WEBVTT\n', 'no-cues', 2],
      [Buffer.from([0x57, 0x45, 0x42, 0x56, 0x54, 0x54, 0xc3, 0x28]), 'encoding', 0],
      [`WEBVTT\n\n${'00:00.000 --> 00:01.000\nx\n\n'.repeat(25_000)}`, 'too-large', 0],
    ];
    for (const [input, issue, line] of cases) {
      const r = validateWebVtt(input);
      assert.ok(!r.ok, String(input).slice(0, 60));
      assert.deepEqual([r.issue, r.line], [issue, line], String(input).slice(0, 60));
    }
  });

  it('never throws, and what it accepts it accepts again unchanged', () => {
    const line = fc.oneof(
      fc.constantFrom(
        'WEBVTT',
        '',
        'NOTE x',
        '00:00.000 --> 00:01.000',
        '00:01.000 --> 00:00.500',
        '-->',
        'text',
      ),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.boolean(), (lines, header) => {
        const input = `${header ? 'WEBVTT\n\n' : ''}${lines.join('\n')}`;
        const r = validateWebVtt(input);
        if (r.ok) {
          const again = validateWebVtt(r.text);
          assert.ok(again.ok);
          assert.equal(again.text, r.text);
        }
      }),
      { numRuns: 500 },
    );
  });
});
