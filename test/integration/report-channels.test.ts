/**
 * The admin side of the reporting channel: channels, recipients and versioned questionnaires, on
 * both databases over HTTP. A channel opens only with a recipient who holds a key, its last such
 * recipient cannot be removed while it is open, and the admin is told why in plain words. The
 * default content pack seeds two closed channels and four questionnaires covering every topic the
 * site links to. The forms are fuzzed (never a 500), and staff e-mail addresses are checked here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { readContentPack } from '../../src/content-packs/loader.ts';
import { adminMessages } from '../../src/modules/reports/admin.messages.ts';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { parseDefinition } from '../../src/modules/reports/questionnaire.ts';
import { ROLES } from '../../src/platform/db/schema.ts';
import { seedDatabase } from '../../src/seed.ts';
import { type CreatedStaff, createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { TEST_QUESTIONNAIRE } from '../helpers/reports.ts';

const en = adminMessages('en');
const zh = adminMessages('zh-CN');

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
const textareaOf = (body: string, name: string) =>
  unescapeHtml(new RegExp(`<textarea id="f-${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(body)?.[1] ?? '');
const versionOf = (body: string) => /name="version" value="(\d+)"/.exec(body)?.[1] ?? '';
const stampOf = (body: string) => /name="stamp" value="([\d.]+)"/.exec(body)?.[1] ?? '';

const CHANNEL = {
  nameZh: '线索渠道',
  nameEn: 'Tips',
  descriptionZh: '',
  descriptionEn: '',
  ackDays: '7',
  feedbackDays: '90',
  maxPerMinute: '600',
  position: '0',
  status: 'closed',
};

for (const dialect of await dialects()) {
  describe(`report channels admin (${dialect})`, () => {
    let t: TestApp;
    let admin: HttpClient;
    let keyHolder: CreatedStaff;
    let noKey: CreatedStaff;

    before(async () => {
      t = await createTestApp(dialect);
      admin = await signIn(t, await createStaff(t, 'chan-admin', ['admin']));
      admin.lang = 'en';
      keyHolder = await createStaff(t, 'chan-handler', ['handler']);
      await signIn(t, keyHolder); // the first sign-in creates the key pair
      noKey = await createStaff(t, 'chan-nokey', ['handler']); // active, never signed in
    });
    after(() => t.close());

    const channelPage = async (id: string) => {
      const page = await admin.get(`/admin/channels/${id}`);
      assert.equal(page.statusCode, 200);
      return page;
    };
    const save = async (id: string, fields: Record<string, string>) => {
      const page = await channelPage(id);
      return admin.postForm(`/admin/channels/${id}`, {
        ...CHANNEL,
        version: versionOf(page.body),
        ...fields,
      });
    };

    it('says prominently when no channel accepts reports, and creates channels closed', async () => {
      const list = await admin.get('/admin/channels');
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /data-testid="none-accepting"/);
      assert.equal(list.headers['cache-control'], 'no-store');
      await admin.get('/admin/channels/new');
      const opened = await admin.postForm('/admin/channels', { ...CHANNEL, id: 'tips', status: 'open' });
      assert.equal(opened.statusCode, 409, 'a new channel has no recipients: it cannot open');
      assert.ok(opened.body.includes(en.cannotOpenNew));
      assert.ok(textareaOf(opened.body, 'descriptionEn') === '' && opened.body.includes('value="Tips"'));
      const bad = await admin.postForm('/admin/channels', { ...CHANNEL, id: 'Bad Id', ackDays: 'soon' });
      assert.equal(bad.statusCode, 400);
      assert.ok(bad.body.includes(en.problems.slug!));
      assert.ok(bad.body.includes('Enter a whole number from 1 to 90.'));
      const created = await admin.postForm('/admin/channels', { ...CHANNEL, id: 'tips' });
      assert.equal(created.statusCode, 303);
      assert.equal(created.headers.location, '/admin/channels/tips?m=created');
      const again = await admin.postForm('/admin/channels', { ...CHANNEL, id: 'tips' });
      assert.equal(again.statusCode, 409);
      assert.ok(again.body.includes(en.idTaken));
      const row = await t.db.handle.db
        .selectFrom('report_channels')
        .selectAll()
        .where('id', '=', 'tips')
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'closed');
      assert.equal(row.ack_days, 7);
      assert.equal(row.feedback_days, 90);
    });

    it('refuses to open a channel without a recipient who holds a key, and says why', async () => {
      const none = await save('tips', { status: 'open' });
      assert.equal(none.statusCode, 409);
      assert.match(none.body, /data-testid="cannot-open"/);
      assert.ok(none.body.includes(en.blocks['no-recipients']!));

      const added = await admin.postForm('/admin/channels/tips/recipients', { staffId: noKey.id });
      assert.equal(added.statusCode, 303);
      const page = await channelPage('tips');
      assert.ok(page.body.includes(en.recipientStates['no-key']!), 'the page shows who holds no key');
      const noKeyYet = await save('tips', { status: 'open' });
      assert.equal(noKeyYet.statusCode, 409);
      assert.ok(noKeyYet.body.includes(en.blocks['no-key']!));
      const row = await t.db.handle.db
        .selectFrom('report_channels')
        .select('status')
        .where('id', '=', 'tips')
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'closed');

      // The same in Chinese.
      const zhClient = admin;
      zhClient.lang = 'zh-CN';
      const zhRefused = await save('tips', { status: 'open' });
      zhClient.lang = 'en';
      assert.equal(zhRefused.statusCode, 409);
      assert.ok(zhRefused.body.includes(zh.blocks['no-key']!));
    });

    it('opens with a key-holding recipient; the intake directory sees it at once', async () => {
      const added = await admin.postForm('/admin/channels/tips/recipients', { staffId: keyHolder.id });
      assert.equal(added.statusCode, 303);
      const dup = await admin.postForm('/admin/channels/tips/recipients', { staffId: keyHolder.id });
      assert.equal(dup.statusCode, 409);
      assert.ok(dup.body.includes(en.alreadyRecipient));
      const unknown = await admin.postForm('/admin/channels/tips/recipients', { staffId: 'nobody' });
      assert.equal(unknown.statusCode, 400);
      const before = await reportsOf(t.app.vigil).directory.snapshot();
      assert.equal(before.channels.get('tips')?.accepting, false);
      const opened = await save('tips', { status: 'open', nameEn: 'Tips line' });
      assert.equal(opened.statusCode, 303);
      const snap = await reportsOf(t.app.vigil).directory.snapshot();
      assert.equal(snap.channels.get('tips')?.accepting, true);
      assert.equal(snap.channels.get('tips')?.name.en, 'Tips line');
      const list = await admin.get('/admin/channels');
      assert.doesNotMatch(list.body, /data-testid="none-accepting"/);
      assert.match(list.body, /data-accepting="yes"/);
      const actions = (await t.app.vigil.audit.list({ limit: 100 })).map((e) => e.action);
      for (const a of ['report-channel.created', 'report-channel.recipient-added', 'report-channel.opened'])
        assert.ok(actions.includes(a), a);
    });

    it('refuses to remove the last key-holding recipient of an open channel', async () => {
      const refused = await admin.postForm('/admin/channels/tips/recipients/remove', {
        staffId: keyHolder.id,
      });
      assert.equal(refused.statusCode, 409);
      assert.ok(refused.body.includes(en.lastKeyHolder));
      const still = await t.db.handle.db
        .selectFrom('channel_recipients')
        .select('staff_id')
        .where('channel_id', '=', 'tips')
        .execute();
      assert.ok(still.some((r) => r.staff_id === keyHolder.id));
      // A recipient without a key can go; and once closed, so can the last key holder.
      const other = await admin.postForm('/admin/channels/tips/recipients/remove', { staffId: noKey.id });
      assert.equal(other.statusCode, 303);
      assert.equal((await save('tips', { status: 'closed' })).statusCode, 303);
      const removed = await admin.postForm('/admin/channels/tips/recipients/remove', {
        staffId: keyHolder.id,
      });
      assert.equal(removed.statusCode, 303);
      await admin.postForm('/admin/channels/tips/recipients', { staffId: keyHolder.id });
      assert.equal((await save('tips', { status: 'open' })).statusCode, 303);
    });

    it('shows why an open channel stopped taking reports when its recipient is disabled', async () => {
      const row = await t.app.accounts.repo.findById(keyHolder.id);
      const done = await t.app.accounts.staff.setStatus(
        { id: null, label: 'test' },
        keyHolder.id,
        'disabled',
        row!.version,
      );
      assert.ok(done.ok);
      reportsOf(t.app.vigil).directory.invalidate();
      const page = await channelPage('tips');
      assert.match(page.body, /data-accepting="no"/);
      assert.ok(page.body.includes(en.blocks['recipients-disabled']!));
      // Still open, and still editable: only opening a closed channel needs a reader.
      assert.equal((await save('tips', { status: 'open', nameEn: 'Tips (paused)' })).statusCode, 303);
      assert.equal((await save('tips', { status: 'closed' })).statusCode, 303);
      assert.equal((await save('tips', { status: 'open' })).statusCode, 409, 'reopening is refused');
      const again = await t.app.accounts.repo.findById(keyHolder.id);
      await t.app.accounts.staff.setStatus(
        { id: null, label: 'test' },
        keyHolder.id,
        'active',
        again!.version,
      );
      assert.equal((await save('tips', { status: 'open' })).statusCode, 303);
    });

    it('refuses a stale save with a clear message and keeps what was typed', async () => {
      const page = await channelPage('tips');
      const version = versionOf(page.body);
      assert.equal((await save('tips', { status: 'open', nameEn: 'Saved first' })).statusCode, 303);
      const stale = await admin.postForm('/admin/channels/tips', {
        ...CHANNEL,
        status: 'open',
        version,
        nameEn: 'My unsaved edit',
      });
      assert.equal(stale.statusCode, 409);
      assert.ok(stale.body.includes(en.channelStale));
      assert.ok(stale.body.includes('value="My unsaved edit"'), 'the typed name is kept');
      assert.match(stale.body, /data-testid="saved-now"[\s\S]*Saved first/);
      assert.notEqual(versionOf(stale.body), version, 'the form now carries the saved version');
      const retry = await admin.postForm('/admin/channels/tips', {
        ...CHANNEL,
        status: 'open',
        version: versionOf(stale.body),
        nameEn: 'My unsaved edit',
      });
      assert.equal(retry.statusCode, 303);
    });

    it('saves a changed questionnaire as a new version and keeps the old one readable', async () => {
      const form = await admin.get('/admin/questionnaires/new');
      assert.equal(form.statusCode, 200);
      assert.ok(parseDefinition(JSON.parse(textareaOf(form.body, 'definition'))).ok, 'the starter is valid');
      const definition = JSON.stringify(TEST_QUESTIONNAIRE, null, 2);
      const created = await admin.postForm('/admin/questionnaires', {
        id: 'tips-q',
        channelId: 'tips',
        kind: 'report',
        topics: 'alpha, beta',
        position: '1',
        status: 'active',
        definition,
      });
      assert.equal(created.statusCode, 303, created.body.slice(0, 2000));
      const preview = await admin.get('/admin/questionnaires/tips-q');
      assert.equal(preview.statusCode, 200);
      assert.ok(preview.body.includes('Which website or app?') && preview.body.includes('哪个网站或应用？'));
      assert.match(preview.body, /data-testid="show-if"/);

      const edit = await admin.get('/admin/questionnaires/tips-q/edit');
      const changed = textareaOf(edit.body, 'definition').replace('In one line', 'In a single line');
      const saved = await admin.postForm('/admin/questionnaires/tips-q', {
        channelId: 'tips',
        kind: 'report',
        topics: 'alpha, beta',
        position: '1',
        status: 'active',
        definition: changed,
        stamp: stampOf(edit.body),
      });
      assert.equal(saved.statusCode, 303);
      assert.equal(saved.headers.location, '/admin/questionnaires/tips-q?m=version');
      const db = t.db.handle.db;
      const q = await db
        .selectFrom('questionnaires')
        .selectAll()
        .where('id', '=', 'tips-q')
        .executeTakeFirstOrThrow();
      assert.equal(q.current_version, 2);
      const versions = await db
        .selectFrom('questionnaire_versions')
        .selectAll()
        .where('questionnaire_id', '=', 'tips-q')
        .orderBy('version')
        .execute();
      assert.equal(versions.length, 2);
      assert.deepEqual(JSON.parse(versions[0]!.definition), JSON.parse(JSON.stringify(TEST_QUESTIONNAIRE)));
      const v1 = await admin.get('/admin/questionnaires/tips-q/versions/1');
      assert.equal(v1.statusCode, 200);
      assert.match(v1.body, /data-testid="old-version"/);
      assert.ok(v1.body.includes('In one line') && !v1.body.includes('In a single line'));
      const current = await admin.get('/admin/questionnaires/tips-q');
      assert.ok(current.body.includes('In a single line'));
      assert.equal((await admin.get('/admin/questionnaires/tips-q/versions/9')).statusCode, 404);
      const snap = await reportsOf(t.app.vigil).directory.snapshot();
      assert.equal(snap.byTopic.get('alpha')?.version, 2, 'intake offers the new version');

      // Settings alone change in place; a stale stamp is refused and the text kept.
      const edit2 = await admin.get('/admin/questionnaires/tips-q/edit');
      const settingsOnly = await admin.postForm('/admin/questionnaires/tips-q', {
        channelId: 'tips',
        kind: 'report',
        topics: 'alpha, beta, gamma',
        position: '1',
        status: 'active',
        definition: textareaOf(edit2.body, 'definition'),
        stamp: stampOf(edit2.body),
      });
      assert.equal(settingsOnly.headers.location, '/admin/questionnaires/tips-q?m=saved');
      const stale = await admin.postForm('/admin/questionnaires/tips-q', {
        channelId: 'tips',
        kind: 'report',
        topics: 'alpha',
        position: '1',
        status: 'active',
        definition: changed.replace('Details', 'More details'),
        stamp: stampOf(edit2.body),
      });
      assert.equal(stale.statusCode, 409);
      assert.ok(stale.body.includes('Someone else saved this questionnaire'));
      assert.ok(textareaOf(stale.body, 'definition').includes('More details'));
      const after = await db
        .selectFrom('questionnaires')
        .selectAll()
        .where('id', '=', 'tips-q')
        .executeTakeFirstOrThrow();
      assert.equal(after.current_version, 2);
    });

    it('lists every problem of an invalid definition (400), in the admin language, keeping the text', async () => {
      await admin.get('/admin/questionnaires/new');
      const broken = structuredClone(TEST_QUESTIONNAIRE) as unknown as Record<string, unknown>;
      const steps = broken.steps as { questions: Record<string, unknown>[] }[];
      steps[0]!.questions[1]!.id = 'summary'; // used twice
      steps[0]!.questions[3]!.showIf = { question: 'date', equals: ['yes'] }; // a later question
      (broken.title as Record<string, unknown>)['zh-CN'] = '';
      const text = JSON.stringify(broken, null, 2);
      const base = {
        id: 'broken-q',
        channelId: 'tips',
        kind: 'report',
        topics: '',
        position: '0',
        status: 'active',
      };
      const res = await admin.postForm('/admin/questionnaires', { ...base, definition: text });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /data-testid="definition-errors"/);
      assert.ok(res.body.includes('title.zh-CN'), 'the zod error with its path');
      assert.equal(textareaOf(res.body, 'definition'), text, 'the typed text is kept exactly');

      const semantic = structuredClone(TEST_QUESTIONNAIRE) as unknown as Record<string, unknown>;
      const qs = (semantic.steps as { questions: Record<string, unknown>[] }[])[0]!.questions;
      qs[1]!.id = 'summary';
      qs[3]!.showIf = { question: 'date', equals: ['yes'] };
      const many = await admin.postForm('/admin/questionnaires', {
        ...base,
        definition: JSON.stringify(semantic),
      });
      assert.equal(many.statusCode, 400);
      assert.ok(many.body.includes('steps.0.questions.1.id: &quot;summary&quot; is used twice'));
      assert.ok(many.body.includes('steps.0.questions.3.showIf.question'));

      admin.lang = 'zh-CN';
      const inZh = await admin.postForm('/admin/questionnaires', {
        ...base,
        definition: JSON.stringify(semantic),
      });
      const json = await admin.postForm('/admin/questionnaires', { ...base, definition: '{"title": ' });
      admin.lang = 'en';
      assert.equal(inZh.statusCode, 400);
      assert.ok(inZh.body.includes('重复使用'), 'errors are worded in Chinese');
      assert.ok(inZh.body.includes('必须是排在前面的问题'));
      assert.equal(json.statusCode, 400);
      assert.ok(json.body.includes('这不是有效的 JSON'));
      assert.equal(textareaOf(json.body, 'definition'), '{"title": ');

      const taken = await admin.postForm('/admin/questionnaires', {
        ...base,
        topics: 'alpha',
        definition: JSON.stringify(TEST_QUESTIONNAIRE),
      });
      assert.equal(taken.statusCode, 409);
      assert.ok(taken.body.includes('already belongs to the active questionnaire'));
      const count = await t.db.handle.db
        .selectFrom('questionnaires')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('id', '=', 'broken-q')
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 0);
    });

    it('refuses every other role (403)', async () => {
      for (const role of ROLES.filter((r) => r !== 'admin')) {
        const c = await signIn(t, await createStaff(t, `deny-${role}`, [role]));
        for (const url of [
          '/admin/channels',
          '/admin/channels/tips',
          '/admin/questionnaires',
          '/admin/questionnaires/tips-q',
        ])
          assert.equal((await c.get(url)).statusCode, 403, `${role} GET ${url}`);
        await c.get('/admin');
        for (const url of [
          '/admin/channels',
          '/admin/channels/tips',
          '/admin/channels/tips/recipients',
          '/admin/questionnaires',
        ])
          assert.equal((await c.postForm(url, { status: 'open' })).statusCode, 403, `${role} POST ${url}`);
      }
    });

    it('keeps an optional, checked e-mail address for staff, shown to admins', async () => {
      await admin.get('/admin/staff/new');
      const bad = await admin.postForm('/admin/staff', {
        username: 'mail.person',
        displayName: 'Mail Person',
        roles: 'handler',
        email: 'not an address',
      });
      assert.equal(bad.statusCode, 400);
      assert.ok(bad.body.includes('Enter an e-mail address like name@example.org'));
      assert.ok(bad.body.includes('value="not an address"'));
      const ok = await admin.postForm('/admin/staff', {
        username: 'mail.person',
        displayName: 'Mail Person',
        roles: 'handler',
        email: ' Person@Example.ORG ',
      });
      assert.equal(ok.statusCode, 200);
      const row = await t.db.handle.db
        .selectFrom('staff')
        .selectAll()
        .where('username', '=', 'mail.person')
        .executeTakeFirstOrThrow();
      assert.equal(row.email, 'Person@example.org');
      const list = await admin.get('/admin/staff');
      assert.ok(list.body.includes('Person@example.org'));
      const detail = await admin.get(`/admin/staff/${row.id}`);
      assert.match(detail.body, /data-testid="staff-email">Person@example.org</);
      const version = versionOf(detail.body);
      const changed = await admin.postForm(`/admin/staff/${row.id}/email`, {
        email: 'notices@example.org',
        version,
      });
      assert.equal(changed.statusCode, 303);
      const stale = await admin.postForm(`/admin/staff/${row.id}/email`, { email: 'x@example.org', version });
      assert.equal(stale.statusCode, 409);
      const invalid = await admin.postForm(`/admin/staff/${row.id}/email`, {
        email: 'a@b',
        version: String(Number(version) + 1),
      });
      assert.equal(invalid.statusCode, 400);
      const cleared = await admin.postForm(`/admin/staff/${row.id}/email`, {
        email: '',
        version: String(Number(version) + 1),
      });
      assert.equal(cleared.statusCode, 303);
      const after = await t.db.handle.db
        .selectFrom('staff')
        .select('email')
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow();
      assert.equal(after.email, null);
      const entries = await t.app.vigil.audit.list({ action: 'staff.email-changed', limit: 10 });
      assert.equal(entries.length, 2);
      assert.doesNotMatch(
        JSON.stringify(entries),
        /notices@example\.org/,
        'the address stays out of the log',
      );
      // Recipients' pages show where notices go.
      await admin.postForm('/admin/channels/tips/recipients', { staffId: row.id });
      const page = await channelPage('tips');
      assert.ok(page.body.includes(en.noEmail));
    });

    it('survives fuzzed channel and questionnaire forms (never a 500)', async () => {
      const names = [
        'id',
        'nameZh',
        'nameEn',
        'descriptionZh',
        'descriptionEn',
        'ackDays',
        'feedbackDays',
        'maxPerMinute',
        'position',
        'status',
        'version',
        'staffId',
        'channelId',
        'kind',
        'topics',
        'definition',
        'stamp',
        '__proto__',
      ];
      const hostile = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 100 }),
        fc.constantFrom(
          '',
          'open',
          'closed',
          '7',
          '-1',
          '1e9',
          '{}',
          '[]',
          '{"title":1}',
          'tips',
          'new',
          '间谍',
        ),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.integer({ min: 1, max: 70_000 }).map((n) => 'x'.repeat(n)),
      );
      const urls = [
        '/admin/channels',
        '/admin/channels/tips',
        '/admin/channels/tips/recipients',
        '/admin/channels/tips/recipients/remove',
        '/admin/channels/missing',
        '/admin/questionnaires',
        '/admin/questionnaires/tips-q',
        '/admin/questionnaires/missing',
      ];
      await admin.get('/admin/channels/new');
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...urls),
          fc.array(fc.tuple(fc.constantFrom(...names), hostile), { maxLength: 12 }),
          fc.boolean(),
          async (url, pairs, raw) => {
            const params = new URLSearchParams();
            params.append('_csrf', admin.csrf ?? '');
            for (const [k, v] of pairs) params.append(k, v);
            const body = params.toString() + (raw ? '&broken=%E4%B8&bad=%G1%' : '');
            const res = await admin.postRaw(url, body);
            assert.ok(res.statusCode < 500, `${url} answered ${res.statusCode}`);
            assert.doesNotMatch(res.body, /node_modules|at async |FST_ERR/);
          },
        ),
        { numRuns: dialect === 'sqlite' ? 120 : 50 },
      );
      const verify = await t.app.vigil.audit.verify();
      assert.ok(verify.ok, JSON.stringify(verify));
      for (const c of await t.db.handle.db.selectFrom('report_channels').selectAll().execute()) {
        assert.ok(c.ack_days >= 1 && c.feedback_days >= c.ack_days && c.name_en.length > 0, c.id);
      }
      for (const v of await t.db.handle.db.selectFrom('questionnaire_versions').selectAll().execute())
        assert.ok(parseDefinition(JSON.parse(v.definition)).ok, 'only valid definitions are stored');
    });
  });

  describe(`the default pack's reporting setup (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
      await seedDatabase(t.app.vigil);
    });
    after(() => t.close());

    it('seeds two closed channels without recipients and four questionnaires, once', async () => {
      const db = t.db.handle.db;
      const channels = await db.selectFrom('report_channels').selectAll().orderBy('position').execute();
      assert.deepEqual(
        channels.map((c) => [c.id, c.status]),
        [
          ['reports', 'closed'],
          ['complaints', 'closed'],
        ],
      );
      assert.equal((await db.selectFrom('channel_recipients').selectAll().execute()).length, 0);
      const qs = await db.selectFrom('questionnaires').selectAll().orderBy('position').execute();
      assert.deepEqual(
        qs.map((q) => [q.id, q.channel_id, q.kind, q.current_version]),
        [
          ['suspicious-activity', 'reports', 'report', 1],
          ['information-request', 'reports', 'report', 1],
          ['approached-or-pressured', 'reports', 'self-disclosure', 1],
          ['handling-complaint', 'complaints', 'complaint', 1],
        ],
      );
      assert.match(await seedDatabase(t.app.vigil), /nothing to add/);
      assert.equal((await db.selectFrom('questionnaires').selectAll().execute()).length, 4);
    });

    it('maps every topic that guides and posts link to, with good definitions', async () => {
      const db = t.db.handle.db;
      const qs = await db.selectFrom('questionnaires').selectAll().execute();
      const topics = new Set(qs.flatMap((q) => JSON.parse(q.topics) as string[]));
      const guides = await db.selectFrom('guides').select('report_topic').execute();
      const posts = await db.selectFrom('posts').select('pub_report_topic').execute();
      const linked = new Set([
        ...guides.map((g) => g.report_topic),
        ...posts.map((p) => p.pub_report_topic).filter((x): x is string => !!x),
      ]);
      const expected = [
        'business-intelligence',
        'recruitment',
        'research-security',
        'surveys',
        'sensitive-sites',
        'apps-devices',
        'insider-approach',
        'suspicious-approach',
        'travel',
        'general',
      ];
      for (const topic of new Set([...linked, ...expected])) assert.ok(topics.has(topic), topic);
      const pack = readContentPack();
      const types = new Set<string>();
      for (const q of pack.reporting!.questionnaires) {
        for (const s of q.definition.steps)
          for (const x of s.questions) {
            types.add(x.type);
            if (x.type === 'location') assert.ok(x.maxLength && x.maxLength <= 120, 'coarse location only');
            assert.doesNotMatch(x.label.en, /address|street/i, `${q.id}.${x.id} asks for no address`);
          }
        assert.ok(
          q.definition.steps.some((s) => s.questions.some((x) => x.showIf)),
          `${q.id} has conditions`,
        );
        assert.ok(
          q.definition.steps.some((s) => s.questions.some((x) => x.help)),
          `${q.id} has help`,
        );
      }
      for (const type of [
        'short-text',
        'long-text',
        'single-choice',
        'multiple-choice',
        'date',
        'date-range',
        'location',
        'yes-no',
        'file',
      ])
        assert.ok(types.has(type), `the pack uses ${type}`);
    });

    it('shows the admin why nothing accepts reports, and opens once a key holder is added', async () => {
      const admin = await signIn(t, await createStaff(t, 'pack-admin', ['admin']));
      admin.lang = 'en';
      const list = await admin.get('/admin/channels');
      assert.match(list.body, /data-testid="none-accepting"/);
      assert.ok(list.body.includes(en.blocks.closed!) && list.body.includes(en.blocks['no-recipients']!));
      const qlist = await admin.get('/admin/questionnaires');
      assert.match(qlist.body, /data-testid="uncovered-topics"/, 'no topic leads anywhere yet');
      const handler = await createStaff(t, 'pack-handler', ['handler']);
      await signIn(t, handler);
      assert.equal(
        (await admin.postForm('/admin/channels/reports/recipients', { staffId: handler.id })).statusCode,
        303,
      );
      const page = await admin.get('/admin/channels/reports');
      const opened = await admin.postForm('/admin/channels/reports', {
        nameZh: '反间谍举报',
        nameEn: 'Counter-espionage reports',
        descriptionZh: textareaOf(page.body, 'descriptionZh'),
        descriptionEn: textareaOf(page.body, 'descriptionEn'),
        ackDays: '7',
        feedbackDays: '90',
        maxPerMinute: '600',
        position: '1',
        status: 'open',
        version: versionOf(page.body),
      });
      assert.equal(opened.statusCode, 303);
      const snap = await reportsOf(t.app.vigil).directory.snapshot();
      assert.equal(snap.byTopic.get('business-intelligence')?.id, 'information-request');
      assert.equal(snap.byTopic.get('insider-approach')?.id, 'approached-or-pressured');
      assert.equal(snap.byTopic.get('recruitment')?.id, 'suspicious-activity');
      assert.equal(snap.byTopic.get('complaint'), undefined, 'the complaints channel is still closed');
      const after = await admin.get('/admin/questionnaires');
      assert.doesNotMatch(after.body, /data-testid="uncovered-topics"/);
    });
  });
}
