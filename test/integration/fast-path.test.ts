/**
 * Cached public pages are answered by the fast path in front of Fastify. Over a real port, the first
 * request (through Fastify) and the later ones (fast path) must be identical in status, body and
 * headers, per language, with 304 revalidation, and a content change must reach both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function comparable(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!VOLATILE.has(k)) out[k] = v;
  });
  return out;
}

describe('fast path for cached public pages', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await createTestApp('sqlite');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(() => t.close());

  it('answers exactly as Fastify does, per language, and counts the view', async () => {
    const served: string[] = [];
    t.app.vigil.pageCache.onServe = (path) => served.push(path);
    for (const lang of ['en', 'zh-CN']) {
      const headers = { 'accept-language': lang };
      const first = await fetch(`${base}/`, { headers });
      const firstBody = await first.text();
      assert.equal(t.app.vigil.pageCache.lookup(lang, '/') !== undefined, true, 'the route indexed its page');
      const second = await fetch(`${base}/`, { headers });
      const secondBody = await second.text();
      assert.equal(second.status, first.status);
      assert.equal(secondBody, firstBody);
      assert.deepEqual(comparable(second), comparable(first));
      assert.match(second.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.match(firstBody, new RegExp(`<html lang="${lang}">`));
      const revalidated = await fetch(`${base}/`, {
        headers: { ...headers, 'if-none-match': second.headers.get('etag')! },
      });
      assert.equal(revalidated.status, 304);
      const head = await fetch(`${base}/`, { method: 'HEAD', headers });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(firstBody)));
    }
    const remembered = await fetch(`${base}/`, {
      headers: { cookie: 'vigil_lang=en', 'accept-language': 'zh-CN' },
    });
    assert.match(
      await remembered.text(),
      /<html lang="en">/,
      'the remembered language wins on the fast path too',
    );
    assert.ok(served.filter((p) => p === '/').length >= 6, 'every serve is counted');
  });

  it('drops pages when content changes, and never serves what it has not seen', async () => {
    await fetch(`${base}/`, { headers: { 'accept-language': 'en' } });
    assert.ok(t.app.vigil.pageCache.lookup('en', '/'));
    await t.app.vigil.events.emit('content.changed', { kind: 'post' });
    assert.equal(t.app.vigil.pageCache.lookup('en', '/'), undefined);
    const withQuery = await fetch(`${base}/?x=1`, { headers: { 'accept-language': 'en' } });
    assert.equal(withQuery.status, 200, 'a query string goes through Fastify');
    const missing = await fetch(`${base}/no-such-page`);
    assert.equal(missing.status, 404);
    const post = await fetch(`${base}/admin/sign-in`);
    assert.equal(post.headers.get('cache-control'), 'no-store', 'back-office pages never take the fast path');
  });
});

describe('daily view counts from cached pages', () => {
  it('counts views of public pages per path and day, and stores nothing else', async () => {
    const t = await createTestApp('sqlite');
    try {
      for (let i = 0; i < 3; i++) await t.app.inject({ url: '/', headers: { 'accept-language': 'en' } });
      await t.app.inject({ url: '/', headers: { 'accept-language': 'zh-CN' } });
      const views = t.app.vigil.services.get('views') as { flush(): Promise<void> };
      await views.flush();
      const rows = await t.db.handle.db.selectFrom('page_views').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.path, '/');
      assert.equal(Number(rows[0]!.views), 4);
      assert.match(rows[0]!.day, /^\d{4}-\d{2}-\d{2}$/);
    } finally {
      await t.close();
    }
  });
});
