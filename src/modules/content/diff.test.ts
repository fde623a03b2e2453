import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertInert } from '../../../test/helpers/xss.ts';
import { diffText } from './diff.ts';

describe('revision diff', () => {
  it('marks Chinese word changes inside a line', () => {
    const d = diffText('外国咨询公司以尽职调查为名收集数据', '境外咨询公司以尽职调查为名收集核心数据');
    assert.equal(d.changed, true);
    assert.equal(
      d.markup.value,
      '<del>外国</del><ins>境外</ins>咨询公司以尽职调查为名收集<ins>核心</ins>数据',
    );
  });

  it('marks line changes in a body and escapes everything', () => {
    const d = diffText(
      'one\n<script>alert(1)</script>\nthree',
      'one\n<img src=x onerror=alert(1)>\nthree\nfour',
    );
    assertInert(d.markup.value, 'diff');
    assert.match(d.markup.value, /<del>/);
    assert.match(d.markup.value, /<ins>/);
    assert.doesNotMatch(d.markup.value, /<img|<script/);
    assert.match(d.markup.value, /<ins>img src=x onerror=<\/ins>/);
  });

  it('says when nothing changed', () => {
    assert.equal(diffText('same', 'same').changed, false);
  });

  it('stays quick on long, very different texts', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'a'.repeat(i % 50)}`).join('\n');
    const b = Array.from({ length: 3000 }, (_, i) => `other ${i * 7} ${'b'.repeat(i % 30)}`).join('\n');
    const start = performance.now();
    const d = diffText(a, b);
    assert.equal(d.changed, true);
    assert.ok(performance.now() - start < 5000);
  });
});
