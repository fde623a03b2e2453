import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseCookies, serializeCookie } from './cookies.ts';
import { parseUrlEncoded, readForm } from './forms.ts';
import { safeLocalPath } from './request.ts';
import { ConcurrencyGate, GATE_FULL, RateLimiter } from './throttle.ts';

describe('form parsing', () => {
  it('never throws, whatever the bytes, and yields only strings or string lists', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        (body) => {
          const parsed = parseUrlEncoded(body);
          for (const v of Object.values(parsed)) {
            assert.ok(typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')));
            // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that NUL was removed
            for (const s of Array.isArray(v) ? v : [v]) assert.doesNotMatch(s, /\u0000/);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps repeated fields, decodes UTF-8, survives broken percent-encoding', () => {
    const p = parseUrlEncoded('roles=admin&roles=editor&name=%E9%97%B4%E8%B0%8D&bad=%FF%FE%&nul=a%00b');
    assert.deepEqual(p.roles, ['admin', 'editor']);
    assert.equal(p.name, '间谍');
    assert.equal(typeof p.bad, 'string');
    assert.equal(p.nul, 'ab');
  });

  it('readForm cuts oversized values and says so, and tolerates any body shape', () => {
    const f = readForm({ a: 'x'.repeat(20), b: ['1', '2'], c: 5 }, { a: 10, b: 5, c: 5, d: 5 });
    assert.equal(f.values.a, 'x'.repeat(10));
    assert.equal(f.truncated, true);
    assert.deepEqual(f.lists.b, ['1', '2']);
    assert.equal(f.values.c, '');
    assert.equal(f.values.d, '');
    for (const body of [null, undefined, 'text', 42, [], { a: { nested: true } }]) readForm(body, { a: 10 });
  });
});

describe('cookies', () => {
  it('parse what they serialise and ignore junk', () => {
    const c = serializeCookie('vigil_lang', 'zh-CN', { maxAgeSeconds: 10, secure: true });
    assert.match(c, /^vigil_lang=zh-CN; Path=\/; Max-Age=10; HttpOnly; Secure; SameSite=Strict$/);
    assert.deepEqual(parseCookies('a=1; b="2"; junk; =x; c=%E4%B8%AD; a=9'), { a: '1', b: '2', c: '中' });
    fc.assert(fc.property(fc.string(), (h) => void parseCookies(h)));
  });
});

describe('safe local paths', () => {
  it('allow only same-site paths', () => {
    assert.equal(safeLocalPath('/admin/staff', '/', '/admin'), '/admin/staff');
    for (const bad of [
      '//evil.example',
      'https://evil.example',
      '/\\evil',
      'javascript:alert(1)',
      '/x\ny',
      42,
    ]) {
      assert.equal(safeLocalPath(bad, '/'), '/');
    }
    assert.equal(safeLocalPath('/public', '/admin', '/admin'), '/admin');
  });
});

describe('concurrency gate', () => {
  it('runs at most N at once and refuses beyond the queue', async () => {
    const gate = new ConcurrencyGate(2, 1);
    let active = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const job = () =>
      gate.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((r) => release.push(r));
        active--;
        return 'done';
      });
    const runs = [job(), job(), job()];
    assert.equal(await job(), GATE_FULL, 'the fourth has no room');
    while (release.length < 2) await new Promise((r) => setImmediate(r));
    release.shift()!();
    release.shift()!();
    while (release.length < 1) await new Promise((r) => setImmediate(r));
    release.shift()!();
    assert.deepEqual(await Promise.all(runs), ['done', 'done', 'done']);
    assert.equal(peak, 2);
  });
});

describe('rate limiter', () => {
  it('allows a burst, then refills at its rate', () => {
    let now = 0;
    const limiter = new RateLimiter(3, 2, () => now);
    assert.deepEqual(
      [limiter.take(), limiter.take(), limiter.take(), limiter.take()],
      [true, true, true, false],
    );
    now += 500;
    assert.equal(limiter.take(), true);
    assert.equal(limiter.take(), false);
    now += 10_000;
    assert.deepEqual(
      [limiter.take(), limiter.take(), limiter.take(), limiter.take()],
      [true, true, true, false],
    );
  });
});
