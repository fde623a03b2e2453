/**
 * The XSS corpus in a real Chromium: a post whose every field is a payload, a second revision of it,
 * a review note and the campaign banner are opened with JavaScript on, on the public pages and in
 * the back office. Nothing may run (alert is watched from outside the page), the DOM may hold no
 * script, frame, event attribute or javascript: address, and the browser may report no CSP violation
 * (an injected handler that the CSP blocked would still show as one).
 *
 * Skipped without Chromium (/usr/bin/chromium, or VIGIL_CHROMIUM), except under CI=true.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import { contentServiceOf } from '../../src/modules/content/module.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { createTestDatabase, IN_CI, type TestDatabase } from '../helpers/databases.ts';
import { XSS_CORPUS } from '../helpers/xss.ts';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];
const browserMissing = !fs.existsSync(CHROMIUM);
const PASSWORD = 'an editor passphrase for the xss test';

if (browserMissing && IN_CI) {
  describe('content XSS in the browser', () => {
    it('needs Chromium', () => assert.fail(`CI=true but ${CHROMIUM} does not exist`));
  });
} else {
  describe(
    'content XSS in the browser',
    browserMissing ? { skip: `${CHROMIUM} is not installed` } : {},
    () => {
      let db: TestDatabase;
      let app: FastifyInstance;
      let browser: Browser;
      let context: BrowserContext;
      let base: string;
      let postId: string;
      const problems: string[] = [];

      before(async () => {
        db = await createTestDatabase('sqlite');
        const config = loadConfig({
          VIGIL_DATA_DIR: db.dataDir,
          VIGIL_KDF_MEMORY_MIB: '1',
          LOG_LEVEL: 'warn',
          HOST: '127.0.0.1',
          PORT: '0',
        });
        await migrateToLatest(db.handle.db);
        app = await buildApp(config, { database: db.handle, skipMigrations: true });
        await app.listen({ host: '127.0.0.1', port: 0 });
        base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

        const created = await app.accounts.staff.create(
          { id: null, label: 'e2e' },
          { username: 'xss.editor', displayName: '<img src=x onerror=alert(1)>', roles: ['editor'] },
        );
        assert.ok(created.ok);
        assert.ok((await app.accounts.staff.completeLink(created.token, PASSWORD)).ok);
        const editor = { id: created.staffId, label: 'xss.editor' };

        const content = contentServiceOf(app.vigil);
        const corpus = XSS_CORPUS.join('\n\n');
        const seeded = await content.createPublished(
          {
            kind: 'post',
            lang: 'en',
            slug: 'xss-in-the-browser',
            translationGroup: 'xss',
            title: '<script>alert(1)</script>"><img src=x onerror=alert(1)>',
            summary: XSS_CORPUS.slice(0, 6).join(' '),
            bodyMd: corpus,
            tags: ['<script>alert(1)</script>', '"><svg onload=alert(1)>'],
            series: '"><img src=x onerror=alert(1)>',
            reportTopic: 'xss-topic',
            pinned: true,
          },
          editor,
        );
        postId = seeded.id;
        const row = await db.handle.db
          .selectFrom('posts')
          .select('version')
          .where('id', '=', postId)
          .executeTakeFirstOrThrow();
        const saved = await content.saveDraft(editor, postId, row.version, {
          title: '"><svg onload=alert(1)> v2',
          summary: '</textarea><script>alert(1)</script>',
          bodyMd: XSS_CORPUS.slice().reverse().join('\n\n'),
          slug: 'xss-in-the-browser',
          lang: 'en',
          kind: 'post',
          translationOf: '',
          tags: '<b onmouseover=alert(1)>, x',
          series: '',
          reportTopic: 'xss-topic',
          coverMediaId: '',
          videoMediaId: '',
          pinned: true,
          publishAt: '',
        });
        assert.ok(saved.ok);
        const banner = await content.setBanner(editor, {
          en: '<script>alert(1)</script>',
          zh: '"><img src=x onerror=alert(1)>',
          link: '/posts/xss-in-the-browser',
          active: true,
        });
        assert.ok(banner.ok);

        browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
        context = await browser.newContext();
        // Runs outside the page's CSP: any payload that executed would be counted here.
        await context.addInitScript(() => {
          const w = window as unknown as {
            __xss: number;
            alert: () => void;
            confirm: () => void;
            prompt: () => void;
          };
          w.__xss = 0;
          w.alert = () => {
            w.__xss++;
          };
          w.confirm = w.alert;
          w.prompt = w.alert;
        });
        context.on('console', (m) => {
          if (m.type() !== 'error') return;
          // Images of the corpus point at /media/ files that do not exist: a 404, not an injection.
          if (/^Failed to load resource/.test(m.text())) return;
          problems.push(`console: ${m.text()}`);
        });
        context.on('weberror', (e) => problems.push(`page error: ${e.error().message}`));
        context.on('dialog', (d) => {
          problems.push(`dialog: ${d.message()}`);
          void d.dismiss();
        });
      });

      after(async () => {
        await context?.close().catch(() => {});
        await browser?.close().catch(() => {});
        await app?.close();
        await db?.drop();
      });

      /** What in the page's DOM could run or leak: found by the browser, not by a regex. */
      const liveMarkup = (page: Page) =>
        page.evaluate(() => {
          const bad: string[] = [];
          for (const el of Array.from(document.querySelectorAll('*'))) {
            const tag = el.tagName.toLowerCase();
            if (
              ['script', 'iframe', 'object', 'embed', 'svg', 'math', 'style', 'base', 'frame'].includes(tag)
            )
              bad.push(`<${tag}>`);
            for (const attr of Array.from(el.attributes)) {
              if (attr.name.startsWith('on')) bad.push(`${tag}[${attr.name}]`);
              if (attr.name === 'style') bad.push(`${tag}[style]`);
              if (attr.name === 'srcdoc') bad.push(`${tag}[srcdoc]`);
            }
          }
          for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('a[href]')))
            if (!['http:', 'https:', 'mailto:'].includes(a.protocol)) bad.push(`a href=${a.href}`);
          for (const img of Array.from(document.querySelectorAll<HTMLImageElement>('img')))
            if (
              new URL(img.src).origin !== location.origin ||
              !new URL(img.src).pathname.startsWith('/media/')
            )
              bad.push(`img src=${img.src}`);
          for (const f of Array.from(document.querySelectorAll<HTMLFormElement>('form')))
            if (new URL(f.action).origin !== location.origin) bad.push(`form action=${f.action}`);
          return { bad, fired: (window as unknown as { __xss: number }).__xss };
        });

      const inspect = async (page: Page, url: string) => {
        const res = await page.goto(`${base}${url}`);
        assert.equal(res?.status(), 200, url);
        await page.waitForLoadState('load');
        const found = await liveMarkup(page);
        assert.deepEqual(found.bad, [], `${url}: live markup`);
        assert.equal(found.fired, 0, `${url}: a payload ran`);
      };

      it('the checks do catch live markup (control)', async () => {
        const page = await context.newPage();
        await page.goto(`${base}/posts`);
        await page.evaluate(() => {
          document.body.insertAdjacentHTML(
            'beforeend',
            '<img src="x" onerror="alert(1)"><a href="javascript:alert(1)">x</a>',
          );
        });
        const found = await liveMarkup(page);
        assert.ok(found.bad.includes('img[onerror]'), found.bad.join(', '));
        assert.ok(found.bad.some((b) => b.startsWith('a href=javascript:')));
        await page.close();
        // The CSP blocked the inline handler and said so: that is the signal an injection would give.
        assert.ok(
          problems.some((p) => /Content Security Policy|inline event handler/i.test(p)),
          problems.join('\n'),
        );
        problems.length = 0;
      });

      it('public pages render every payload as text', async () => {
        const page = await context.newPage();
        const tags = await db.handle.db
          .selectFrom('post_tags')
          .select('tag')
          .where('post_id', '=', postId)
          .execute();
        const series = await db.handle.db
          .selectFrom('posts')
          .select('pub_series')
          .where('id', '=', postId)
          .executeTakeFirstOrThrow();
        for (const url of [
          '/',
          '/posts',
          '/posts/xss-in-the-browser',
          `/tags/${encodeURIComponent(tags[0]!.tag)}`,
          `/series/${encodeURIComponent(series.pub_series!)}`,
        ])
          await inspect(page, url);
        const title = await page
          .goto(`${base}/posts/xss-in-the-browser`)
          .then(() => page.locator('main article > header h1').textContent());
        assert.equal(title, '<script>alert(1)</script>"><img src=x onerror=alert(1)>', 'shown as typed');
        assert.deepEqual(problems, []);
      });

      it('the back office renders every payload as text', async () => {
        const page = await context.newPage();
        await page.goto(`${base}/admin/sign-in`);
        await page.locator('#f-username').fill('xss.editor');
        await page.locator('#f-password').fill(PASSWORD);
        await page.locator('main form button[type="submit"]').click();
        await page.waitForURL(`${base}/admin`);
        for (const url of [
          '/admin/posts',
          `/admin/posts/${postId}`,
          `/admin/posts/${postId}/preview`,
          `/admin/posts/${postId}/preview?rev=1`,
          `/admin/posts/${postId}/revisions`,
          `/admin/posts/${postId}/diff?from=1&to=2`,
          '/admin/banner',
        ])
          await inspect(page, url);
        const typed = await page
          .goto(`${base}/admin/posts/${postId}`)
          .then(() => page.locator('#f-summary').inputValue());
        assert.equal(
          typed,
          '</textarea><script>alert(1)</script>',
          'the editor gets back exactly what was typed',
        );
        assert.deepEqual(problems, []);
      });
    },
  );
}
