/**
 * The back office's case work in a real Chromium with JavaScript off (every page must work as plain
 * HTML forms): an English supervisor goes from the dashboard through the inbox (filter, bulk label)
 * to a case (note, question, stage, priority), its protection and identity pages, the statistics
 * and the notices; a Chinese handler reads the inbox and a case written in Chinese. Each step is
 * checked in the database, not only on the page. Every page is checked for labels, sideways
 * scrolling and CSP errors, and photographed at phone and desktop width into test-results/ (or
 * VIGIL_SCREENS_DIR) for a person to look at.
 *
 * Without Chromium (/usr/bin/chromium, or VIGIL_CHROMIUM) the suite is skipped, except under CI=true.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { caseMessages } from '../../src/modules/cases/case.messages.ts';
import { identityMessages } from '../../src/modules/cases/identity.views.ts';
import { inboxMessages } from '../../src/modules/cases/inbox.messages.ts';
import { caseLabels } from '../../src/modules/cases/labels.ts';
import { protectionMessages } from '../../src/modules/cases/protection.views.ts';
import { statsMessages } from '../../src/modules/cases/stats.views.ts';
import { SESSION_COOKIE } from '../../src/platform/http/sessions.ts';
import { fill } from '../../src/platform/views/i18n/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import {
  type CaseChannel,
  caseChannel,
  makeReport,
  type SignedInStaff,
  signedInStaff,
} from '../helpers/cases.ts';
import { IN_CI } from '../helpers/databases.ts';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const SCREENS =
  process.env.VIGIL_SCREENS_DIR ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results');
const VIEWPORTS = { mobile: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;
const browserMissing = !fs.existsSync(CHROMIUM);
const OTHER_REPORTS = 4;
const ALL_REPORTS = OTHER_REPORTS + 3;

const ZH_ANSWERS = {
  summary: '有人打听新芯片的参数',
  details: '对方自称咨询公司，先在网上联系，\n后来提出付费。',
  kind: 'online',
  platform: '某招聘网站',
};

/** The text as rendered (what a person sees), through Playwright rather than the DOM property. */
// biome-ignore lint/performance/useDomNodeTextContent: Locator.innerText is Playwright's API, not the DOM's
const text = (locator: Locator): Promise<string> => locator.innerText();

interface Made {
  reportId: string;
  reference: string;
}

describe(
  'the back office in a browser, without JavaScript',
  browserMissing && !IN_CI ? { skip: `${CHROMIUM} is not installed` } : {},
  () => {
    let t: TestApp;
    let browser: Browser;
    let base: string;
    let supervisor: SignedInStaff;
    let handler: SignedInStaff;
    let channel: CaseChannel;
    /** English, anonymous. */
    let plain: Made;
    /** English, confidential: the supervisor's case. */
    let confidential: Made;
    /** Chinese answers, named reporter. */
    let chinese: Made;
    const problems: string[] = [];

    before(async () => {
      t = await createTestApp('sqlite');
      supervisor = await signedInStaff(t, ['supervisor'], 'sam-supervisor');
      handler = await signedInStaff(t, ['handler'], 'hua-handler');
      channel = await caseChannel(t, [supervisor.staff.id, handler.staff.id]);
      plain = await makeReport(t, channel);
      // Enough reports in the month for the statistics to show them (small counts are hidden).
      for (let i = 0; i < OTHER_REPORTS; i++) await makeReport(t, channel);
      t.clock.advance(60_000);
      confidential = await makeReport(t, channel, {
        identity: { mode: 'confidential', contact: 'Signal +49 151 0000 0000, evenings' },
      });
      t.clock.advance(60_000);
      chinese = await makeReport(t, channel, {
        answers: ZH_ANSWERS,
        lang: 'zh-CN',
        identity: { mode: 'named', name: '王小明', contact: '电话 138 0000 0000，工作日晚上' },
      });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ],
      });
      fs.mkdirSync(SCREENS, { recursive: true });
    });
    after(async () => {
      await browser?.close();
      await t.close();
    });

    const db = () => t.db.handle.db;

    /** A script-less browser context holding the staff member's session cookie (as the server sets it). */
    const contextFor = async (who: SignedInStaff, locale: string): Promise<BrowserContext> => {
      const ctx = await browser.newContext({ viewport: VIEWPORTS.mobile, locale, javaScriptEnabled: false });
      // Every step is a plain page load: a wait past a few seconds means something is missing.
      ctx.setDefaultTimeout(10_000);
      ctx.on('console', (m) => {
        if (m.type() !== 'error' && m.type() !== 'warning') return;
        if (/^Failed to load resource/.test(m.text())) return;
        problems.push(`console ${m.type()}: ${m.text()}`);
      });
      ctx.on('weberror', (e) => problems.push(`page error: ${e.error().message}`));
      ctx.on('response', (r) => {
        if (r.request().resourceType() !== 'document' && r.status() >= 400)
          problems.push(`${r.status()} for ${r.url()}`);
      });
      const value = who.client.cookies.get(SESSION_COOKIE);
      assert.ok(value, 'the helper signed in');
      await ctx.addCookies([
        {
          name: SESSION_COOKIE,
          value,
          domain: '127.0.0.1',
          path: '/admin',
          httpOnly: true,
          sameSite: 'Strict',
        },
      ]);
      return ctx;
    };

    /** Checks the page as a person and a screen reader meet it, then photographs it at both widths. */
    const look = async (page: Page, name: string) => {
      const unlabelled = await page
        .locator('main input:not([type="hidden"]), main select, main textarea')
        .evaluateAll((els) =>
          els
            .filter(
              (el) => ((el as HTMLInputElement).labels?.length ?? 0) === 0 && !el.getAttribute('aria-label'),
            )
            .map((el) => el.outerHTML),
        );
      assert.deepEqual(unlabelled, [], `${name}: controls without a label`);
      for (const [label, size] of Object.entries(VIEWPORTS)) {
        await page.setViewportSize(size);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(overflow <= 0, `${name} at ${label} width scrolls sideways by ${overflow}px`);
        await page.screenshot({ path: path.join(SCREENS, `cases-${name}-${label}.png`), fullPage: true });
      }
      await page.setViewportSize(VIEWPORTS.mobile);
    };

    const flash = (page: Page) => page.locator('main .flash').first();

    it('an English supervisor works a case from the inbox to the statistics', async () => {
      const m = caseMessages('en');
      const im = inboxMessages('en');
      const l = caseLabels('en');
      // The handler asks to see the Chinese report's identity: the supervisor gets a notice.
      await handler.client.get(`/admin/cases/${chinese.reportId}/identity`);
      const asked = await handler.client.postForm(`/admin/cases/${chinese.reportId}/identity/request`, {
        reason: '需要联系举报人核实时间和地点。',
      });
      assert.equal(asked.statusCode, 303);

      const ctx = await contextFor(supervisor, 'en-GB');
      const page = await ctx.newPage();

      // The dashboard counts what waits.
      await page.goto(`${base}/admin`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      const counts = page.getByTestId('dashboard-counts');
      await counts.getByText('Unread notices').waitFor();
      assert.match(await text(counts), /Unread notices: 1\b/);
      assert.match(await text(counts), /Approvals waiting for a second person: 1\b/);
      await look(page, 'dashboard-en');

      // The inbox lists the three reports; filtering by status goes through the GET form.
      await page.getByRole('link', { name: 'Cases', exact: true }).first().click();
      await page.waitForURL(`${base}/admin/cases`);
      const inbox = page.getByTestId('inbox');
      assert.equal(await inbox.locator('tbody tr').count(), ALL_REPORTS);
      await look(page, 'inbox-en');
      await page.locator('#f-status').selectOption('acknowledged');
      await page.getByRole('button', { name: im.apply }).click();
      await page.waitForURL(/status=acknowledged/);
      await page.getByTestId('inbox-empty').waitFor();
      await page.locator('#f-status').selectOption('received');
      await page.getByRole('button', { name: im.apply }).click();
      await page.waitForURL(/status=received/);
      assert.equal(await page.getByTestId('inbox').locator('tbody tr').count(), ALL_REPORTS);

      // Tick one case and label it in bulk.
      await page.getByLabel(fill(im.selectCase, { reference: plain.reference })).check();
      await page.locator('#f-bulk-label').fill('export-control');
      await page.getByRole('button', { name: im.addLabel }).click();
      await page.waitForURL(/m=bulk/);
      assert.equal(await text(flash(page)), fill(im.bulkDone, { count: 1 }));
      assert.ok(page.url().includes('status=received'), 'the filter is kept after the bulk action');
      const labels = await db().selectFrom('case_labels').select(['report_id', 'label']).execute();
      assert.deepEqual(labels, [{ report_id: plain.reportId, label: 'export-control' }]);
      await page
        .locator(`tr[data-case="${plain.reportId}"]`)
        .locator('.tag', { hasText: 'export-control' })
        .waitFor();
      await look(page, 'inbox-filtered-en');

      // Open the confidential case by its reference.
      await page.getByRole('link', { name: confidential.reference }).click();
      await page.waitForURL(`${base}/admin/cases/${confidential.reportId}`);
      await page
        .getByRole('heading', { level: 1, name: fill(m.title, { reference: confidential.reference }) })
        .waitFor();
      await page.getByText('Consultant asked for the board papers').waitFor();
      await look(page, 'case-en');

      // An internal note.
      await page
        .getByLabel(m.noteField, { exact: true })
        .fill('Checked with IT: the address is a known phishing domain.');
      await page.getByRole('button', { name: m.saveNote }).click();
      await page.waitForURL(`${base}/admin/cases/${confidential.reportId}?m=note`);
      assert.equal(await text(flash(page)), m.flashes.note);
      const notes = await db().selectFrom('case_notes').select(['report_id', 'staff_id']).execute();
      assert.deepEqual(notes, [{ report_id: confidential.reportId, staff_id: supervisor.staff.id }]);

      // A question to the reporter.
      const writeForm = page.locator(`form[action="/admin/cases/${confidential.reportId}/messages"]`);
      await writeForm
        .getByLabel(m.messageField, { exact: true })
        .fill('When did the consultant first write to you?');
      await writeForm.getByLabel(m.asQuestion).check();
      await writeForm.getByRole('button', { name: m.send }).click();
      await page.waitForURL(`${base}/admin/cases/${confidential.reportId}?m=question`);
      assert.equal(await text(flash(page)), m.flashes.question);
      const questions = await db()
        .selectFrom('report_messages')
        .select('id')
        .where('report_id', '=', confidential.reportId)
        .where('author', '=', 'staff')
        .where('kind', '=', 'question')
        .execute();
      assert.equal(questions.length, 1);

      // Acknowledged (with the acknowledgement message), then a high priority.
      const stageForm = page.locator(`form[action="/admin/cases/${confidential.reportId}/stage"]`);
      await stageForm.getByLabel(m.moveTo).selectOption('acknowledged');
      assert.ok(await stageForm.getByLabel(m.sendAck).isChecked());
      await stageForm.getByRole('button', { name: m.move }).click();
      await page.waitForURL(`${base}/admin/cases/${confidential.reportId}?m=moved`);
      assert.equal(await text(flash(page)), m.flashes.moved);
      const priorityForm = page.locator(`form[action="/admin/cases/${confidential.reportId}/priority"]`);
      await priorityForm.getByLabel(m.priority).selectOption('3');
      await priorityForm.getByRole('button', { name: m.save }).click();
      await page.waitForURL(`${base}/admin/cases/${confidential.reportId}?m=priority`);
      const row = await db()
        .selectFrom('reports')
        .select(['status', 'priority', 'acknowledged_at', 'version'])
        .where('id', '=', confidential.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'acknowledged');
      assert.equal(row.priority, 3);
      assert.notEqual(row.acknowledged_at, null);
      const kinds = (
        await db()
          .selectFrom('case_events')
          .select('kind')
          .where('report_id', '=', confidential.reportId)
          .orderBy('id')
          .execute()
      ).map((e) => e.kind);
      assert.deepEqual(kinds, ['note-added', 'question-sent', 'moved', 'priority-set']);

      // The timeline shows all of it.
      const timeline = page.locator('section[aria-labelledby="h-timeline"]');
      await timeline.locator('.case-note').getByText('known phishing domain').waitFor();
      await timeline.locator('.followup-question').getByText('When did the consultant first write').waitFor();
      await timeline
        .locator('.case-event')
        .getByText(fill(m.events.moved!, { from: l.status.received, to: l.status.acknowledged }))
        .waitFor();
      await timeline
        .locator('.case-event')
        .getByText(fill(m.events['priority-set']!, { priority: l.priority[3]! }))
        .waitFor();
      await look(page, 'case-worked-en');
      // The inbox filtered by the new stage finds exactly this case.
      await page.goto(`${base}/admin/cases?status=acknowledged`);
      const acknowledged = page.getByTestId('inbox').locator('tbody tr');
      assert.equal(await acknowledged.count(), 1);
      assert.equal(await acknowledged.first().getAttribute('data-case'), confidential.reportId);

      // Protection: tick one item of the "reporter at risk" checklist.
      const pm = protectionMessages('en');
      await page.goto(`${base}/admin/cases/${confidential.reportId}`);
      await page.locator('.case-flags').getByRole('link', { name: m.protection }).click();
      await page.waitForURL(`${base}/admin/cases/${confidential.reportId}/protection`);
      await look(page, 'protection-en');
      const atRisk = page.locator('section[aria-labelledby="h-reporter-at-risk"]');
      await atRisk.getByLabel(pm.items['risk-assessed']!).check();
      await atRisk.getByRole('button', { name: pm.saveChecklist }).click();
      await page.waitForURL(/\/protection\?m=saved/);
      const ticked = await db()
        .selectFrom('case_checklist')
        .select(['flag', 'item', 'done_by'])
        .where('report_id', '=', confidential.reportId)
        .execute();
      assert.deepEqual(ticked, [
        { flag: 'reporter-at-risk', item: 'risk-assessed', done_by: supervisor.staff.id },
      ]);
      assert.ok(
        await page
          .locator('section[aria-labelledby="h-reporter-at-risk"]')
          .getByLabel(pm.items['risk-assessed']!)
          .isChecked(),
      );
      await look(page, 'protection-saved-en');

      // Identity: sealed; ask for it with a reason.
      const idm = identityMessages('en');
      await page.getByRole('link', { name: 'Back to the case' }).click();
      await page.locator('.case-flags').getByRole('link', { name: m.identity }).click();
      await page.waitForURL(`${base}/admin/cases/${confidential.reportId}/identity`);
      assert.equal(await page.getByText('Signal +49').count(), 0, 'the identity stays sealed');
      await look(page, 'identity-en');
      // Too short a reason is refused with the text kept.
      await page.getByLabel(idm.reason).fill('Because');
      await page.getByRole('button', { name: idm.send }).click();
      await page.locator('.error-summary').waitFor();
      assert.equal(await page.getByLabel(idm.reason).inputValue(), 'Because');
      await look(page, 'identity-error-en');
      await page
        .getByLabel(idm.reason)
        .fill('The reporter may be at risk; we need to agree a safe way to reach them.');
      await page.getByRole('button', { name: idm.send }).click();
      await page.waitForURL(/\/identity\?m=requested/);
      assert.equal(await text(flash(page)), idm.flashes.requested);
      const requests = await db()
        .selectFrom('case_approvals')
        .select(['kind', 'status', 'basis', 'requested_by'])
        .where('report_id', '=', confidential.reportId)
        .execute();
      assert.deepEqual(requests, [
        { kind: 'identity', status: 'pending', basis: 'four-eyes', requested_by: supervisor.staff.id },
      ]);
      await page.locator('table').getByText(idm.ownRequest).waitFor();
      await look(page, 'identity-requested-en');

      // Statistics: every chart is an image with a title, and has its table.
      const sm = statsMessages('en');
      await page.getByRole('link', { name: 'Statistics', exact: true }).first().click();
      await page.waitForURL(`${base}/admin/stats`);
      await page.getByRole('heading', { level: 1, name: sm.title }).waitFor();
      const charts = page.locator('svg.stats-chart');
      assert.ok((await charts.count()) >= 5, 'five charts');
      for (const svg of await charts.all()) {
        assert.equal(await svg.getAttribute('role'), 'img');
        assert.notEqual((await svg.locator('> title').textContent())?.trim() ?? '', '');
      }
      const figures = page.locator('section.stats-figure');
      assert.equal(await figures.count(), await charts.count());
      for (const figure of await figures.all()) {
        assert.equal(await figure.locator('svg.stats-chart').count(), 1);
        assert.equal(await figure.locator('table').count(), 1);
      }
      await look(page, 'stats-en');

      // Notices: the handler's request waits; approve it (four eyes), then mark the notice read.
      await page.getByRole('link', { name: 'Notices', exact: true }).first().click();
      await page.waitForURL(`${base}/admin/notices`);
      const unread = page.locator('.notice-item.unread');
      assert.equal(await unread.count(), 1);
      await look(page, 'notices-en');
      await unread.getByRole('link').click();
      await page.waitForURL(`${base}/admin/cases/${chinese.reportId}`);
      await page.locator('.case-flags').getByRole('link', { name: m.identity }).click();
      await page.getByRole('button', { name: idm.approve }).click();
      await page.waitForURL(/\/identity\?m=approved/);
      const grants = await db()
        .selectFrom('identity_grants')
        .select(['staff_id', 'basis'])
        .where('report_id', '=', chinese.reportId)
        .execute();
      assert.deepEqual(grants, [{ staff_id: handler.staff.id, basis: 'four-eyes' }]);
      await look(page, 'identity-approved-en');
      await page.goto(`${base}/admin/notices`);
      await page.getByRole('button', { name: 'Mark read' }).click();
      await page.waitForURL(`${base}/admin/notices?m=read`);
      assert.equal(await page.locator('.notice-item.unread').count(), 0);
      const left = await db()
        .selectFrom('staff_notices')
        .select('id')
        .where('staff_id', '=', supervisor.staff.id)
        .where('read_at', 'is', null)
        .execute();
      assert.equal(left.length, 0);
      await look(page, 'notices-read-en');

      await ctx.close();
      assert.deepEqual(problems, []);
    });

    it('a handler reads the inbox and a Chinese case in Chinese', async () => {
      const m = caseMessages('zh-CN');
      const im = inboxMessages('zh-CN');
      const idm = identityMessages('zh-CN');
      const ctx = await contextFor(handler, 'zh-CN');
      const page = await ctx.newPage();
      await page.goto(`${base}/admin/cases`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
      await page.getByRole('heading', { level: 1, name: im.title }).waitFor();
      assert.equal(await page.getByTestId('inbox').locator('tbody tr').count(), ALL_REPORTS);
      await page.getByRole('button', { name: im.apply }).waitFor();
      await look(page, 'inbox-zh-CN');

      await page.getByRole('link', { name: chinese.reference }).click();
      await page.waitForURL(`${base}/admin/cases/${chinese.reportId}`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
      await page
        .getByRole('heading', { level: 1, name: fill(m.title, { reference: chinese.reference }) })
        .waitFor();
      const answers = page.locator('section[aria-labelledby="h-answers"]');
      await answers.getByRole('heading', { name: m.answers }).waitFor();
      await answers.getByText(ZH_ANSWERS.summary).waitFor();
      await answers.getByText('某招聘网站').waitFor();
      assert.match(await text(answers), /对方自称咨询公司，先在网上联系，\s*后来提出付费。/);
      // A handler cannot assign or share (supervisors do).
      assert.equal(await page.locator(`form[action="/admin/cases/${chinese.reportId}/assign"]`).count(), 0);
      await look(page, 'case-zh-CN');

      // A note in Chinese.
      await page.getByLabel(m.noteField, { exact: true }).fill('已与信息安全部门核实。');
      await page.getByRole('button', { name: m.saveNote }).click();
      await page.waitForURL(`${base}/admin/cases/${chinese.reportId}?m=note`);
      assert.equal(await text(flash(page)), m.flashes.note);
      await page.locator('.case-note').getByText('已与信息安全部门核实。').waitFor();
      await look(page, 'case-note-zh-CN');

      // The identity the supervisor approved for this handler is shown, in Chinese.
      await page.locator('.case-flags').getByRole('link', { name: m.identity }).click();
      await page.waitForURL(`${base}/admin/cases/${chinese.reportId}/identity`);
      await page.getByRole('heading', { level: 1, name: new RegExp(idm.title) }).waitFor();
      await page.locator('.identity-revealed').getByText('王小明').waitFor();
      await look(page, 'identity-zh-CN');

      await page.goto(`${base}/admin/stats`);
      await page.getByRole('heading', { level: 1, name: statsMessages('zh-CN').title }).waitFor();
      await look(page, 'stats-zh-CN');
      await ctx.close();
      assert.deepEqual(problems, []);
    });
  },
);
