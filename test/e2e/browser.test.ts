/**
 * End to end in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the
 * app listening on a real port: first-admin setup and TOTP enrolment, signing out and in again,
 * creating a staff member and using their one-time link, the language switch, pages without
 * JavaScript (landmarks, skip link, labels, no CSP violations) and keyboard access. Screenshots of
 * every page at phone and desktop width in both languages go to test-results/ for a human to look at.
 *
 * Without Chromium (/usr/bin/chromium, or VIGIL_CHROMIUM) the suite is skipped, except under CI=true,
 * where it fails.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { base32Decode, stepAt, TOTP_STEP_MS, totpCode } from '../../src/modules/accounts/totp.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { type Lang, type Messages, messages } from '../../src/platform/views/i18n/index.ts';
import { createTestDatabase, IN_CI, type TestDatabase } from '../helpers/databases.ts';

/** Debian's Chromium; VIGIL_CHROMIUM points elsewhere (another system, or to check the missing-browser path). */
const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results');
const VIEWPORTS = { mobile: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;
const LANGS: readonly Lang[] = ['zh-CN', 'en'];
const PASSWORD = 'a long and memorable e2e passphrase';
const STAFF_PASSWORD = 'the editor chose this passphrase';
/** The header's background (--brand): proof that the stylesheet loaded under the CSP. */
const BRAND_RGB = 'rgb(18, 53, 91)';

const zh = messages('zh-CN');
const en = messages('en');

const browserMissing = !fs.existsSync(CHROMIUM);

/** The text as rendered (what a person sees), through Playwright rather than the DOM property. */
// biome-ignore lint/performance/useDomNodeTextContent: Locator.innerText is Playwright's API, not the DOM's
const text = (locator: Locator): Promise<string> => locator.innerText();

if (browserMissing && IN_CI) {
  describe('browser end-to-end', () => {
    it('needs Chromium', () => {
      assert.fail(
        `CI=true but ${CHROMIUM} does not exist: install Debian's "chromium" and "fonts-noto-cjk" (.ci/run does this); browser tests must run under CI`,
      );
    });
  });
} else {
  describe(
    'browser end-to-end',
    browserMissing ? { skip: `${CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)` } : {},
    () => {
      let db: TestDatabase;
      let config: Config;
      let app: FastifyInstance;
      let base: string;
      let browser: Browser;
      let logText = '';
      /** Console errors and page errors from every context except the CSP control one. */
      const problems: string[] = [];
      const contexts: BrowserContext[] = [];

      const newContext = async (options: Parameters<Browser['newContext']>[0] = {}) => {
        const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, ...options });
        ctx.on('console', (m) => {
          if (m.type() !== 'error' && m.type() !== 'warning') return;
          // A page answered 400 or 404 on purpose is logged as a failed load: pages are checked by
          // status in the tests, and sub-resources (stylesheet, icon) by the response listener below.
          if (/^Failed to load resource/.test(m.text())) return;
          problems.push(`console ${m.type()}: ${m.text()}`);
        });
        ctx.on('weberror', (e) => problems.push(`page error: ${e.error().message}`));
        ctx.on('response', (r) => {
          if (r.request().resourceType() !== 'document' && r.status() >= 400)
            problems.push(`${r.status()} for ${r.url()}`);
        });
        ctx.on('requestfailed', (r) => {
          // ERR_ABORTED: the page moved on (a click, a redirect) while, say, the icon was loading.
          if (r.failure()?.errorText !== 'net::ERR_ABORTED')
            problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
        });
        contexts.push(ctx);
        return ctx;
      };

      before(async () => {
        fs.mkdirSync(RESULTS_DIR, { recursive: true });
        db = await createTestDatabase('sqlite');
        config = loadConfig({
          VIGIL_DATA_DIR: db.dataDir,
          VIGIL_KDF_MEMORY_MIB: '1',
          LOG_LEVEL: 'info',
          HOST: '127.0.0.1',
          PORT: '0',
        });
        await migrateToLatest(db.handle.db);
        const logStream = new PassThrough();
        logStream.on('data', (chunk: Buffer) => {
          logText += chunk.toString('utf8');
        });
        // Real time: the browser types TOTP codes computed from the wall clock.
        app = await buildApp(config, { database: db.handle, logStream, skipMigrations: true });
        // A deliberately bad page, to prove the CSP-violation listener does catch violations.
        app.get('/e2e/csp-probe', { config: { access: 'public' } }, (_req, reply) =>
          reply
            .type('text/html; charset=utf-8')
            .send('<!doctype html><html lang="en"><title>probe</title><p style="color:red">probe</p></html>'),
        );
        await app.listen({ host: '127.0.0.1', port: 0 });
        const address = app.server.address() as AddressInfo;
        base = `http://127.0.0.1:${address.port}`;
        browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      });

      after(async () => {
        for (const ctx of contexts) await ctx.close().catch(() => {});
        await browser?.close().catch(() => {});
        await app?.close();
        await db?.drop();
      });

      /**
       * Full-page screenshots at phone and desktop width. Nothing may scroll sideways: neither the page
       * nor (unless allowed) a table inside its scrolling wrapper.
       */
      const shoot = async (page: Page, name: string, options: { tablesMayScroll?: boolean } = {}) => {
        const original = page.viewportSize();
        for (const [label, size] of Object.entries(VIEWPORTS)) {
          await page.setViewportSize(size);
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          assert.ok(overflow <= 0, `${name} at ${label} width scrolls sideways by ${overflow}px`);
          if (!options.tablesMayScroll) {
            const tableOverflow = await page
              .locator('.table-wrap')
              .evaluateAll((els) => els.map((el) => el.scrollWidth - el.clientWidth));
            assert.ok(
              tableOverflow.every((px) => px <= 0),
              `${name} at ${label} width: a table scrolls sideways (${tableOverflow.join(', ')}px)`,
            );
          }
          await page.screenshot({ path: path.join(RESULTS_DIR, `${name}-${label}.png`), fullPage: true });
        }
        if (original) await page.setViewportSize(original);
      };

      const htmlLang = (page: Page) => page.locator('html').getAttribute('lang');
      const h1 = (page: Page) => text(page.locator('main h1'));

      const adminUsername = 'e2e-admin';
      let totpSecret: Buffer | undefined;
      let lastTotpStep = -1;
      let admin: Page;

      /** A code for a step not used yet: waits for the next 30-second step when this one is spent. */
      const freshTotp = async (secret: Buffer): Promise<string> => {
        let step = stepAt(Date.now());
        if (step <= lastTotpStep) {
          await sleep((lastTotpStep + 1) * TOTP_STEP_MS - Date.now() + 200);
          step = stepAt(Date.now());
        }
        lastTotpStep = step;
        return totpCode(secret, step);
      };

      const signInWithPassword = async (page: Page, t: Messages, username: string, password: string) => {
        await page.getByLabel(t.auth.username, { exact: true }).fill(username);
        await page.getByLabel(t.auth.password, { exact: true }).fill(password);
        await page.getByRole('button', { name: t.auth.signIn }).click();
      };

      it('the CSP listener catches a violation (control)', async () => {
        const ctx = await browser.newContext({ javaScriptEnabled: false });
        contexts.push(ctx);
        const seen: string[] = [];
        ctx.on('console', (m) => {
          if (m.type() === 'error') seen.push(m.text());
        });
        const page = await ctx.newPage();
        await page.goto(`${base}/e2e/csp-probe`);
        await page.waitForLoadState('load');
        assert.ok(
          seen.some((s) => /Content Security Policy/.test(s)),
          `an inline style is reported as a CSP violation: ${JSON.stringify(seen)}`,
        );
        await ctx.close();
      });

      it('sets up the first admin through the one-time link, enrols TOTP and lands on /admin', async () => {
        const token = await app.accounts.staff.issueFirstAdminLink({ id: null, label: 'e2e' });
        assert.ok(token, 'a first-admin link is issued on an empty database');
        const ctx = await newContext({ locale: 'zh-CN' });
        admin = await ctx.newPage();

        await admin.goto(`${base}/admin/setup/${token}`);
        assert.equal(await htmlLang(admin), 'zh-CN');
        assert.equal(await h1(admin), zh.setup.firstAdminTitle);
        await shoot(admin, 'setup-first-admin-zh-CN');
        await admin.getByLabel(zh.staff.username, { exact: true }).fill(adminUsername);
        await admin.getByLabel(zh.setup.displayName, { exact: true }).fill('管理员 Ada');
        await admin.getByLabel(zh.setup.newPassword, { exact: true }).fill(PASSWORD);
        await admin.getByLabel(zh.setup.confirmPassword, { exact: true }).fill(`${PASSWORD} typo`);
        await admin.getByRole('button', { name: zh.setup.create }).click();
        // A mistake is shown next to the field, the typed username is kept, passwords are not.
        await admin.locator('.error-summary').waitFor();
        assert.equal(await text(admin.locator('#f-confirm-error')), zh.setup.passwordsDiffer);
        assert.equal(await admin.locator('#f-confirm').getAttribute('aria-invalid'), 'true');
        assert.equal(await admin.getByLabel(zh.staff.username, { exact: true }).inputValue(), adminUsername);
        assert.equal(await admin.getByLabel(zh.setup.newPassword, { exact: true }).inputValue(), '');
        await shoot(admin, 'setup-first-admin-error-zh-CN');
        await admin.getByLabel(zh.setup.newPassword, { exact: true }).fill(PASSWORD);
        await admin.getByLabel(zh.setup.confirmPassword, { exact: true }).fill(PASSWORD);
        await admin.getByRole('button', { name: zh.setup.create }).click();

        await admin.waitForURL(`${base}/admin/sign-in?m=password-set`);
        assert.equal(await text(admin.locator('.flash-ok')), zh.setup.done);
        await signInWithPassword(admin, zh, adminUsername.toUpperCase(), PASSWORD);

        await admin.waitForURL(`${base}/admin/sign-in/two-factor`);
        assert.equal(await h1(admin), zh.auth.enrolTitle);
        assert.ok(await admin.locator('figure.qr svg').isVisible(), 'the QR code is shown');
        await shoot(admin, 'totp-enrol-zh-CN');
        const shown = await text(admin.locator('[data-testid="totp-secret"]'));
        assert.match(shown, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
        totpSecret = base32Decode(shown);
        assert.equal(totpSecret.length, 20);
        await admin.getByLabel(zh.auth.totpCode, { exact: true }).fill(await freshTotp(totpSecret));
        await admin.getByRole('button', { name: zh.auth.enrolConfirm }).click();

        await admin.waitForURL(`${base}/admin`);
        assert.equal(await h1(admin), zh.admin.dashboardTitle);
        assert.match(await text(admin.locator('main')), /管理员 Ada/);
        assert.equal(await text(admin.locator('main .tag')), zh.roles.admin);
        await shoot(admin, 'admin-dashboard-zh-CN');
        const reuse = await app.accounts.staff.issueFirstAdminLink({ id: null, label: 'e2e' });
        assert.equal(reuse, undefined, 'no second first-admin link once an admin exists');
      });

      it('creates a staff member whose one-time link works in another browser', async () => {
        assert.ok(admin, 'needs the signed-in admin from the previous test');
        await admin
          .getByRole('navigation', { name: zh.admin.adminMenu })
          .getByRole('link', { name: zh.admin.navStaff })
          .click();
        await admin.waitForURL(`${base}/admin/staff`);
        assert.equal(
          await text(admin.locator('.admin-nav a[aria-current="page"]')),
          zh.admin.navStaff,
          'the menu marks the current section',
        );
        await admin.getByRole('link', { name: zh.staff.add }).click();
        await admin.waitForURL(`${base}/admin/staff/new`);
        await shoot(admin, 'admin-staff-new-zh-CN');
        await admin.getByLabel(zh.staff.username, { exact: true }).fill('eve.editor');
        await admin.getByLabel(zh.staff.displayName, { exact: true }).fill('Eve 编辑');
        await admin.getByLabel(zh.roles.editor, { exact: true }).check();
        await admin.getByRole('button', { name: zh.staff.add }).click();

        const linkBox = admin.locator('[data-testid="one-time-link"]');
        await linkBox.waitFor();
        const link = (await text(linkBox)).trim();
        assert.match(link, new RegExp(`^${config.publicUrl}/admin/setup/[A-Za-z0-9_-]{43}$`));
        await shoot(admin, 'admin-staff-link-zh-CN');

        // The new colleague opens the link in their own browser (English).
        const theirs = await newContext({ locale: 'en' });
        const page = await theirs.newPage();
        await page.goto(`${base}${new URL(link).pathname}`);
        assert.equal(await htmlLang(page), 'en');
        assert.equal(await h1(page), en.setup.accountTitle);
        assert.match(await text(page.locator('main')), /eve\.editor/);
        await shoot(page, 'setup-account-en');
        await page.getByLabel(en.setup.newPassword, { exact: true }).fill(STAFF_PASSWORD);
        await page.getByLabel(en.setup.confirmPassword, { exact: true }).fill(STAFF_PASSWORD);
        await page.getByRole('button', { name: en.setup.setPassword }).click();
        await page.waitForURL(`${base}/admin/sign-in?m=password-set`);
        await signInWithPassword(page, en, 'eve.editor', STAFF_PASSWORD);
        // Editors need no second factor: straight into the back office, without the admin-only menu.
        await page.waitForURL(`${base}/admin`);
        assert.match(await text(page.locator('main')), /Eve 编辑/);
        const menu = await text(page.getByRole('navigation', { name: en.admin.adminMenu }));
        assert.doesNotMatch(menu, new RegExp(en.admin.navStaff));

        // The link works once.
        const again = await theirs.newPage();
        const res = await again.goto(`${base}${new URL(link).pathname}`);
        assert.equal(res?.status(), 404);

        await admin.reload();
        await admin.goto(`${base}/admin/staff`);
        const row = admin.getByRole('row').filter({ hasText: 'eve.editor' });
        assert.match(await text(row), new RegExp(zh.staff.statusActive));
        await shoot(admin, 'admin-staff-list-zh-CN');
      });

      it('switches language from a back-office page and remembers it', async () => {
        await admin.goto(`${base}/admin/staff`);
        assert.equal(await htmlLang(admin), 'zh-CN');
        const sw = admin.locator('header .lang-switch');
        assert.equal(await text(sw), zh.common.switchTo);
        await sw.click();
        await admin.waitForURL(`${base}/admin/staff`);
        assert.equal(await htmlLang(admin), 'en');
        assert.equal(await h1(admin), en.staff.listTitle);
        await shoot(admin, 'admin-staff-list-en');
        await admin.getByRole('link', { name: en.admin.navDashboard }).click();
        await admin.waitForURL(`${base}/admin`);
        assert.equal(await h1(admin), en.admin.dashboardTitle, 'the choice holds on the next page');
        await shoot(admin, 'admin-dashboard-en');
        await admin.getByRole('link', { name: en.admin.navAudit }).click();
        await admin.waitForURL(`${base}/admin/audit`);
        assert.equal(await h1(admin), en.audit.title);
        await shoot(admin, 'admin-audit-en', { tablesMayScroll: true });
        await admin.goto(`${base}/`);
        assert.equal(await h1(admin), en.home.title, 'and on public pages');
      });

      it('switches language from a public page and remembers it', async () => {
        const ctx = await newContext({ locale: 'zh-CN' });
        const page = await ctx.newPage();
        await page.goto(`${base}/`);
        assert.equal(await htmlLang(page), 'zh-CN');
        assert.equal(await h1(page), zh.home.title);
        await page.locator('header .lang-switch').click();
        await page.waitForURL(`${base}/`);
        assert.equal(await htmlLang(page), 'en');
        assert.equal(await h1(page), en.home.title);
        await page.getByRole('link', { name: en.common.staffSignIn }).click();
        await page.waitForURL(`${base}/admin/sign-in`);
        assert.equal(await h1(page), en.auth.signInTitle, 'the choice holds on the next page');
        await page.locator('header .lang-switch').click();
        await page.waitForURL(`${base}/admin/sign-in`);
        assert.equal(await htmlLang(page), 'zh-CN');
        assert.equal(await h1(page), zh.auth.signInTitle);
        await page.getByRole('link', { name: zh.common.home }).click();
        assert.equal(await h1(page), zh.home.title);
      });

      for (const lang of LANGS) {
        const t = messages(lang);
        it(`public pages work without JavaScript (${lang}): landmarks, skip link, labels, no CSP errors`, async () => {
          const ctx = await newContext({ javaScriptEnabled: false, locale: lang });
          const page = await ctx.newPage();
          for (const [name, url, title] of [
            ['home', '/', t.home.title],
            ['sign-in', '/admin/sign-in', t.auth.signInTitle],
          ] as const) {
            const res = await page.goto(`${base}${url}`);
            assert.equal(res?.status(), 200);
            assert.equal(await htmlLang(page), lang, `${url} answers in the browser's language`);
            assert.equal(await h1(page), title);
            assert.equal(await page.locator('script').count(), 0, 'no script anywhere');
            assert.equal(await page.getByRole('banner').count(), 1, 'one header');
            assert.equal(await page.getByRole('main').count(), 1, 'one main');
            assert.equal(await page.getByRole('contentinfo').count(), 1, 'one footer');
            assert.equal(
              await page.getByRole('navigation', { name: t.common.mainMenu }).count(),
              1,
              'a named nav',
            );
            const headerBg = await page
              .locator('header.site-header')
              .evaluate((el) => getComputedStyle(el).backgroundColor);
            assert.equal(headerBg, BRAND_RGB, 'the stylesheet is applied');

            // The skip link is the first focusable element and leads to main.
            const firstFocusable = page
              .locator('a[href], button, input:not([type="hidden"]), select, textarea')
              .first();
            assert.equal(await firstFocusable.getAttribute('class'), 'skip-link');
            assert.equal(await firstFocusable.getAttribute('href'), '#main');
            assert.equal(await text(firstFocusable), t.common.skipToContent);
            assert.equal(await page.locator('main#main').count(), 1);

            // Every form control has a label (or an accessible name of its own).
            const unlabelled = await page
              .locator('input:not([type="hidden"]), select, textarea')
              .evaluateAll((els) =>
                els
                  .filter(
                    (el) =>
                      ((el as HTMLInputElement).labels?.length ?? 0) === 0 &&
                      !el.getAttribute('aria-label') &&
                      !el.getAttribute('aria-labelledby'),
                  )
                  .map((el) => el.outerHTML),
              );
            assert.deepEqual(unlabelled, [], `${url}: controls without a label`);
            await shoot(page, `${name}-${lang}`);
          }
          assert.equal(
            await page.locator('form input:not([type="hidden"])').count(),
            2,
            'sign-in has two fields',
          );

          // The form works with no JavaScript: an empty submission comes back with server-side errors.
          await page.getByRole('button', { name: t.auth.signIn }).click();
          await page.locator('.error-summary').waitFor();
          assert.equal(await text(page.locator('#f-username-error')), t.forms.required);
          assert.equal(await page.locator('#f-password').getAttribute('aria-invalid'), 'true');
          const summaryLink = page.locator('.error-summary a').first();
          assert.equal(await summaryLink.getAttribute('href'), '#f-username');
          await shoot(page, `sign-in-errors-${lang}`);
        });

        it(`keyboard (${lang}): Tab from the top reaches the skip link first, and it skips to main`, async () => {
          const ctx = await newContext({ javaScriptEnabled: false, locale: lang });
          const page = await ctx.newPage();
          await page.setViewportSize(VIEWPORTS.mobile);
          await page.goto(`${base}/admin/sign-in`);
          const skip = page.locator('.skip-link');
          const hidden = await skip.boundingBox();
          assert.ok(hidden && hidden.y + hidden.height <= 0, 'the skip link is off screen until focused');
          await page.keyboard.press('Tab');
          assert.equal(await page.locator(':focus').getAttribute('class'), 'skip-link');
          const shown = await skip.boundingBox();
          assert.ok(shown && shown.y >= 0, 'the focused skip link is on screen');
          await page.screenshot({ path: path.join(RESULTS_DIR, `skip-link-focused-${lang}-mobile.png`) });
          await page.keyboard.press('Enter');
          await page.waitForURL(`${base}/admin/sign-in#main`);
          await page.keyboard.press('Tab');
          assert.equal(
            await page.locator(':focus').getAttribute('id'),
            'f-username',
            'after skipping, the next Tab is the first field in main, past header and menus',
          );
        });
      }

      // Last before the summary: the public tests above run while the TOTP step used at enrolment ends.
      it('signs out, and signs in again with password and TOTP', async () => {
        assert.ok(totpSecret, 'needs the enrolled secret');
        await admin.goto(`${base}/admin/account`);
        await admin.getByRole('button', { name: en.auth.signOut, exact: true }).click();
        await admin.waitForURL(`${base}/admin/sign-in?m=signed-out`);
        assert.equal(await text(admin.locator('.flash')), en.auth.signedOut);
        const blocked = await admin.goto(`${base}/admin/staff`);
        assert.equal(new URL(blocked!.url()).pathname, '/admin/sign-in', 'signed out means signed out');

        await signInWithPassword(admin, en, adminUsername, PASSWORD);
        await admin.waitForURL(`${base}/admin/sign-in/two-factor`);
        assert.equal(await h1(admin), en.auth.totpTitle);
        assert.equal(
          await admin.locator('[data-testid="totp-secret"]').count(),
          0,
          'no secret after enrolment',
        );
        await shoot(admin, 'totp-en');
        // A stale code (from five minutes ago) is refused.
        await admin
          .getByLabel(en.auth.totpCode, { exact: true })
          .fill(totpCode(totpSecret, stepAt(Date.now()) - 10));
        await admin.getByRole('button', { name: en.auth.verify }).click();
        assert.equal(
          await text(admin.locator('#f-code-error')),
          en.auth.totpWrong,
          'the message sits by the field',
        );
        assert.match(
          await text(admin.locator('.error-summary a[href="#f-code"]')),
          new RegExp(en.auth.totpCode),
        );
        await shoot(admin, 'totp-wrong-en');
        await admin.getByLabel(en.auth.totpCode, { exact: true }).fill(await freshTotp(totpSecret));
        await admin.getByRole('button', { name: en.auth.verify }).click();
        await admin.waitForURL(`${base}/admin`);
        assert.equal(await h1(admin), en.admin.dashboardTitle);
      });

      it('saw no console errors, CSP violations or page errors anywhere', () => {
        assert.deepEqual(problems, []);
        assert.doesNotMatch(logText, /\/admin\/setup\/[A-Za-z0-9_-]{43}/, 'no one-time token in the logs');
      });
    },
  );
}
