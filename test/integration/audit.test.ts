import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { runCli } from '../../src/cli.ts';
import { AuditLog, GENESIS_HASH } from '../../src/platform/audit/audit-log.ts';
import { createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects, TEST_PG_URL } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';

const DAY = 86_400_000;

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** The environment the `vigil` command would be run with against this test database. */
function cliEnv(t: TestApp): Record<string, string> {
  const { config, dataDir, schema } = t.db;
  if (config.kind === 'sqlite') return { VIGIL_DATA_DIR: dataDir, DATABASE_URL: `sqlite:${config.file}` };
  const options = encodeURIComponent(`-c search_path=${schema}`);
  return {
    VIGIL_DATA_DIR: dataDir,
    DATABASE_URL: `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}options=${options}`,
  };
}

/** Runs `vigil <argv>` in this process with the config in process.env, restoring process.env after. */
async function cli(t: TestApp, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const env: Record<string, string | undefined> = { ...cliEnv(t), VIGIL_SECRET_KEY: undefined };
  const saved = new Map(Object.keys(env).map((k) => [k, process.env[k]]));
  const out = new Capture();
  const err = new Capture();
  try {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    const code = await runCli(argv, out, err);
    return { code, out: out.text, err: err.text };
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** What an attacker with database access does first: switch off the append-only triggers. */
async function disableAppendOnly(t: TestApp): Promise<void> {
  const db = t.db.handle.db;
  if (t.db.dialect === 'sqlite') {
    await sql`drop trigger audit_log_no_update`.execute(db);
    await sql`drop trigger audit_log_no_delete`.execute(db);
  } else {
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(db);
  }
}

const auditRows = (t: TestApp) => t.db.handle.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();

interface ShownEntry {
  seq: number;
  actor: string;
  action: string;
}

/** The entries in an /admin/audit page's table, as shown. */
function shownEntries(body: string): ShownEntry[] {
  const rows = [
    ...body.matchAll(
      /<tr><td[^>]*>(\d+)<\/td><td[^>]*>[^<]*<\/td><td[^>]*>([^<]*)<\/td><td[^>]*class="mono"[^>]*>([^<]*)<\/td>/g,
    ),
  ];
  return rows.map((m) => ({ seq: Number(m[1]), actor: m[2]!, action: m[3]! }));
}

/** A client that asks for English pages (the default language is Chinese). */
function english(t: TestApp): HttpClient {
  const c = t.client();
  c.lang = 'en';
  return c;
}

function link(body: string, text: string): string | undefined {
  const m = new RegExp(`<a href="(/admin/audit\\?[^"]*)">${text}</a>`).exec(body);
  return m ? m[1]!.replaceAll('&amp;', '&') : undefined;
}

for (const dialect of await dialects()) {
  describe(`audit log (${dialect})`, () => {
    /** A fresh instance with an admin signed in and a few more entries: tampering ruins it. */
    async function instance(): Promise<{ t: TestApp; admin: HttpClient; count: number }> {
      const t = await createTestApp(dialect);
      const staff = await createStaff(t, 'chain.admin', ['admin']);
      const admin = await signIn(t, staff, english(t));
      for (let i = 1; i <= 6; i++) {
        t.clock.advance(1000);
        await t.app.vigil.audit.record({
          actor: { id: staff.id, label: staff.username },
          action: `test.step-${i % 3}`,
          targetType: 'thing',
          targetId: `thing-${i}`,
          details: { i },
        });
      }
      const count = (await auditRows(t)).length;
      assert.ok(count >= 8);
      assert.deepEqual(await t.app.vigil.audit.verify(), { ok: true, count });
      const before = await cli(t, ['audit', 'verify']);
      assert.equal(before.code, 0, before.err);
      assert.match(before.out, new RegExp(`Audit log intact: ${count} entries`));
      return { t, admin, count };
    }

    async function expectTampered(
      t: TestApp,
      expected: { seq: number; reason: RegExp; intact: number },
    ): Promise<void> {
      const result = await t.app.vigil.audit.verify();
      assert.equal(result.ok, false, 'verify() detects it');
      if (result.ok) return;
      assert.equal(result.seq, expected.seq);
      assert.match(result.reason, expected.reason);
      assert.equal(result.intact, expected.intact);
      const run = await cli(t, ['audit', 'verify']);
      assert.equal(run.code, 1, 'vigil audit verify exits 1');
      assert.match(run.err, new RegExp(`AUDIT LOG TAMPERED: entry ${expected.seq}:`));
      assert.match(run.err, new RegExp(`Entries 1-${expected.intact} are intact`));
      assert.equal(run.out, '');
    }

    describe('chain and tampering', () => {
      let t: TestApp;
      before(async () => {
        t = await createTestApp(dialect);
      });
      after(() => t.close());

      it('chains every entry and verifies after sign-ins and staff changes', async () => {
        assert.deepEqual(await t.app.vigil.audit.verify(), { ok: true, count: 0 }, 'an empty log is intact');
        const adminStaff = await createStaff(t, 'chain.root', ['admin']);
        const c = await signIn(t, adminStaff, english(t));
        await c.get('/admin/staff/new');
        const created = await c.postForm('/admin/staff', {
          username: 'chain.editor',
          displayName: 'Chain Editor',
          roles: ['editor'],
        });
        assert.equal(created.statusCode, 200);
        const editor = await t.app.accounts.repo.findByUsername('chain.editor');
        assert.ok(editor);
        await c.get(`/admin/staff/${editor.id}`);
        const roles = await c.postForm(`/admin/staff/${editor.id}/roles`, {
          roles: ['editor', 'reviewer'],
          version: String(editor.version),
        });
        assert.equal(roles.statusCode, 303);
        const failed = t.client();
        await failed.get('/admin/sign-in');
        await failed.postForm('/admin/sign-in', { username: 'chain.root', password: 'wrong wrong wrong' });

        const rows = await auditRows(t);
        const actions = rows.map((r) => r.action);
        for (const a of [
          'staff.created',
          'staff.setup-completed',
          'auth.sign-in',
          'staff.roles-changed',
          'auth.sign-in-failed',
        ]) {
          assert.ok(actions.includes(a), `recorded: ${a}`);
        }
        rows.forEach((row, i) => {
          assert.equal(row.seq, i + 1, 'sequence numbers have no gaps');
          assert.equal(
            row.prev_hash,
            i === 0 ? GENESIS_HASH : rows[i - 1]!.hash,
            `entry ${row.seq} links back`,
          );
          assert.match(row.hash, /^[0-9a-f]{64}$/);
        });
        assert.equal(new Set(rows.map((r) => r.hash)).size, rows.length);
        assert.doesNotMatch(JSON.stringify(rows), /wrong wrong wrong|correct horse/, 'no passwords logged');
        assert.deepEqual(await t.app.vigil.audit.verify(), { ok: true, count: rows.length });

        const head = await t.db.handle.db
          .selectFrom('settings')
          .select('value')
          .where('key', '=', 'audit.head')
          .executeTakeFirstOrThrow();
        const parsed = JSON.parse(head.value) as { seq: number; hash: string };
        assert.equal(parsed.seq, rows.length);
        assert.equal(parsed.hash, rows.at(-1)!.hash);

        const cliRun = await cli(t, ['audit', 'verify']);
        assert.equal(cliRun.code, 0, cliRun.err);
        assert.equal(
          cliRun.out,
          `Audit log intact: ${rows.length} entries, chain and signed head verified.\n`,
        );
      });

      it('serialises concurrent appends into one unbroken chain', async () => {
        const start = (await auditRows(t)).length;
        const handles = [t.db.handle];
        if (dialect === 'postgres') handles.push(t.db.openAnother());
        try {
          const logs = handles.map((h) => new AuditLog(h.db, h.dialect, t.app.vigil.keys.audit));
          await Promise.all(
            Array.from({ length: 30 }, (_, i) =>
              logs[i % logs.length]!.record({
                actor: { id: null, label: 'load' },
                action: 'test.concurrent',
              }),
            ),
          );
        } finally {
          for (const h of handles.slice(1)) await h.close();
        }
        assert.deepEqual(await t.app.vigil.audit.verify(), { ok: true, count: start + 30 });
      });

      it('the database itself refuses to change or delete entries', async () => {
        const db = t.db.handle.db;
        await assert.rejects(
          db.updateTable('audit_log').set({ details: '{"forged":true}' }).where('seq', '=', 1).execute(),
          /append-only/,
        );
        await assert.rejects(db.deleteFrom('audit_log').where('seq', '=', 1).execute(), /append-only/);
        await assert.rejects(db.deleteFrom('audit_log').execute(), /append-only/);
        const first = await db.selectFrom('audit_log').selectAll().where('seq', '=', 1).executeTakeFirst();
        assert.ok(first);
        assert.notEqual(first.details, '{"forged":true}');
        assert.equal((await t.app.vigil.audit.verify()).ok, true);
      });
    });

    it('detects an edited entry (verify, CLI and the back office)', async () => {
      const { t, admin } = await instance();
      try {
        await disableAppendOnly(t);
        await t.db.handle.db
          .updateTable('audit_log')
          .set({ details: '{"i":99}' })
          .where('seq', '=', 5)
          .execute();
        await expectTampered(t, { seq: 5, reason: /content was changed/, intact: 4 });
        await admin.get('/admin/audit');
        const page = await admin.postForm('/admin/audit/verify', {});
        assert.equal(page.statusCode, 200);
        assert.match(page.body, /Chain broken at entry 5: its content was changed after it was written/);
      } finally {
        await t.close();
      }
    });

    it('detects a deleted entry in the middle', async () => {
      const { t } = await instance();
      try {
        await disableAppendOnly(t);
        await t.db.handle.db.deleteFrom('audit_log').where('seq', '=', 4).execute();
        await expectTampered(t, { seq: 4, reason: /entry 4 is missing \(next present is 5\)/, intact: 3 });
      } finally {
        await t.close();
      }
    });

    it('detects two entries swapped (reordered)', async () => {
      const { t } = await instance();
      try {
        await disableAppendOnly(t);
        const db = t.db.handle.db;
        const [a, b] = await db
          .selectFrom('audit_log')
          .selectAll()
          .where('seq', 'in', [5, 6])
          .orderBy('seq')
          .execute();
        const content = ({ seq: _seq, ...rest }: typeof a & object) => rest;
        await db.updateTable('audit_log').set(content(b!)).where('seq', '=', 5).execute();
        await db.updateTable('audit_log').set(content(a!)).where('seq', '=', 6).execute();
        await expectTampered(t, { seq: 5, reason: /does not follow the entry before it/, intact: 4 });
      } finally {
        await t.close();
      }
    });

    it('detects a log wiped entirely while accounts exist', async () => {
      const { t } = await instance();
      try {
        await disableAppendOnly(t);
        await t.db.handle.db.deleteFrom('audit_log').execute();
        await t.db.handle.db.deleteFrom('settings').where('key', '=', 'audit.head').execute();
        const result = await t.app.vigil.audit.verify();
        assert.equal(result.ok, false);
        assert.equal(!result.ok && result.code, 'emptied');
      } finally {
        await t.close();
      }
    });

    it('detects a truncated tail through the signed head, even if the head is rewritten', async () => {
      const { t, count } = await instance();
      try {
        await disableAppendOnly(t);
        const db = t.db.handle.db;
        await db
          .deleteFrom('audit_log')
          .where('seq', '>', count - 2)
          .execute();
        await expectTampered(t, {
          seq: count - 1,
          reason: new RegExp(`entries after ${count - 2} were removed \\(the log had ${count}\\)`),
          intact: count - 2,
        });

        // Pointing the head at the new last entry needs the key to sign it.
        const last = await db
          .selectFrom('audit_log')
          .select(['seq', 'hash'])
          .orderBy('seq', 'desc')
          .executeTakeFirstOrThrow();
        const head = JSON.parse(
          (
            await db
              .selectFrom('settings')
              .select('value')
              .where('key', '=', 'audit.head')
              .executeTakeFirstOrThrow()
          ).value,
        ) as { mac: string };
        await db
          .updateTable('settings')
          .set({ value: JSON.stringify({ seq: last.seq, hash: last.hash, mac: head.mac }) })
          .where('key', '=', 'audit.head')
          .execute();
        await expectTampered(t, { seq: count - 2, reason: /signed head .* altered/, intact: count - 2 });
        await db.deleteFrom('settings').where('key', '=', 'audit.head').execute();
        await expectTampered(t, { seq: count - 2, reason: /signed head .* missing/, intact: count - 2 });
      } finally {
        await t.close();
      }
    });

    describe('/admin/audit', () => {
      let t: TestApp;
      let c: HttpClient;
      let adminId: string;
      let editorId: string;
      before(async () => {
        t = await createTestApp(dialect);
        const admin = await createStaff(t, 'audit.admin', ['admin']);
        const editor = await createStaff(t, 'audit.editor', ['editor']);
        adminId = admin.id;
        editorId = editor.id;
        await signIn(t, admin, english(t));
        const e = await signIn(t, editor, english(t));
        assert.equal((await e.get('/admin/audit')).statusCode, 403, 'editors may not read the audit log');
        // Two days later the admin invites someone; two more days on, the editor and the admin sign in.
        t.clock.advance(2 * DAY);
        const inviting = await signIn(t, admin, english(t));
        await inviting.get('/admin/staff/new');
        const invited = await inviting.postForm('/admin/staff', {
          username: 'audit.invitee',
          displayName: 'Invitee',
          roles: ['reviewer'],
        });
        assert.equal(invited.statusCode, 200);
        t.clock.advance(2 * DAY);
        await signIn(t, editor, english(t));
        c = await signIn(t, admin, english(t));
      });
      after(() => t.close());

      const expectedSeqs = async (filter: {
        action?: string;
        actorId?: string;
        from?: number;
        to?: number;
      }): Promise<number[]> => {
        let q = t.db.handle.db.selectFrom('audit_log').select('seq');
        if (filter.action) q = q.where('action', '=', filter.action);
        if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
        if (filter.from !== undefined) q = q.where('at', '>=', filter.from);
        if (filter.to !== undefined) q = q.where('at', '<', filter.to);
        return (await q.orderBy('seq', 'desc').execute()).map((r) => r.seq);
      };

      it('shows the entries, newest first', async () => {
        const page = await c.get('/admin/audit');
        assert.equal(page.statusCode, 200);
        const shown = shownEntries(page.body);
        assert.deepEqual(
          shown.map((e) => e.seq),
          await expectedSeqs({}),
        );
        assert.ok(shown.some((e) => e.action === 'staff.created' && e.actor === 'audit.admin'));
        assert.ok(shown.some((e) => e.action === 'auth.sign-in' && e.actor === 'audit.editor'));
        assert.equal(link(page.body, 'Older entries'), undefined, 'everything fits on one page');
      });

      it('filters by action, by actor and by date range', async () => {
        const byAction = await c.get('/admin/audit?action=auth.sign-in');
        assert.equal(byAction.statusCode, 200);
        const signIns = shownEntries(byAction.body);
        assert.ok(signIns.length >= 3);
        assert.ok(signIns.every((e) => e.action === 'auth.sign-in'));
        assert.deepEqual(
          signIns.map((e) => e.seq),
          await expectedSeqs({ action: 'auth.sign-in' }),
        );

        const byActor = await c.get(`/admin/audit?actor=${editorId}`);
        assert.equal(byActor.statusCode, 200);
        const editorEntries = shownEntries(byActor.body);
        assert.ok(editorEntries.length >= 2);
        assert.ok(editorEntries.every((e) => e.actor === 'audit.editor'));
        assert.deepEqual(
          editorEntries.map((e) => e.seq),
          await expectedSeqs({ actorId: editorId }),
        );

        const both = shownEntries((await c.get(`/admin/audit?action=staff.created&actor=${adminId}`)).body);
        assert.deepEqual(
          both.map((e) => e.seq),
          await expectedSeqs({ action: 'staff.created', actorId: adminId }),
        );
        assert.equal(both.length, 1, 'only the invitation was made by the admin');

        const day24 = Date.UTC(2026, 10, 24);
        const middle = shownEntries((await c.get('/admin/audit?from=2026-11-24&to=2026-11-24')).body);
        assert.ok(middle.length > 0);
        assert.deepEqual(
          middle.map((e) => e.seq),
          await expectedSeqs({ from: day24, to: day24 + DAY }),
        );
        assert.ok(middle.every((e) => e.actor === 'audit.admin'));

        const fromLast = shownEntries((await c.get('/admin/audit?from=2026-11-26')).body);
        assert.deepEqual(
          fromLast.map((e) => e.seq),
          await expectedSeqs({ from: day24 + 2 * DAY }),
        );
        assert.ok(fromLast.some((e) => e.actor === 'audit.editor' && e.action === 'auth.sign-in'));
        assert.ok(fromLast.every((e) => e.action === 'auth.sign-in'));

        const toFirst = shownEntries((await c.get('/admin/audit?to=2026-11-22')).body);
        assert.deepEqual(
          toFirst.map((e) => e.seq),
          await expectedSeqs({ to: Date.UTC(2026, 10, 23) }),
        );
        assert.ok(toFirst.length > 0);

        const none = await c.get('/admin/audit?from=2027-01-01');
        assert.equal(none.statusCode, 200);
        assert.deepEqual(shownEntries(none.body), []);
        assert.match(none.body, /No entries match\./);
      });

      it('answers a malformed date with 400 and a message, not 500', async () => {
        for (const query of [
          'from=2026-13-45',
          'to=tomorrow',
          'from=2026-02-30',
          'from=2026-11-22&to=26-11-2026',
        ]) {
          const res = await c.get(`/admin/audit?${query}`);
          assert.equal(res.statusCode, 400, query);
          assert.match(res.body, /Use the form YYYY-MM-DD\./, query);
          assert.match(res.body, /aria-invalid="true"/, query);
          assert.deepEqual(shownEntries(res.body), [], query);
        }
        assert.equal((await c.get('/admin/audit?from=2026-11-220000000000000000')).statusCode, 400);
      });

      it('pages through older entries with a keyset link', async () => {
        for (let i = 0; i < 60; i++) {
          await t.app.vigil.audit.record({
            actor: { id: adminId, label: 'audit.admin' },
            action: 'test.bulk',
            details: { i },
          });
        }
        const all = await expectedSeqs({ action: 'test.bulk' });
        assert.equal(all.length, 60);
        const first = await c.get('/admin/audit?action=test.bulk');
        const page1 = shownEntries(first.body).map((e) => e.seq);
        assert.deepEqual(page1, all.slice(0, 50));
        assert.equal(link(first.body, 'Newer entries'), undefined);
        const older = link(first.body, 'Older entries');
        assert.ok(older, 'an older-entries link');
        const params = new URL(older, 'http://x').searchParams;
        assert.equal(params.get('before'), String(page1.at(-1)));
        assert.equal(params.get('action'), 'test.bulk', 'the filter is kept');

        const second = await c.get(older);
        assert.equal(second.statusCode, 200);
        const page2 = shownEntries(second.body).map((e) => e.seq);
        assert.deepEqual(page2, all.slice(50));
        assert.equal(link(second.body, 'Older entries'), undefined, 'no page after the last');
        assert.equal(link(second.body, 'Newer entries'), '/admin/audit?action=test.bulk');

        const unfiltered = await c.get('/admin/audit');
        const top = shownEntries(unfiltered.body).map((e) => e.seq);
        const everything = await expectedSeqs({});
        assert.deepEqual(top, everything.slice(0, 50));
        const next = await c.get(link(unfiltered.body, 'Older entries')!);
        assert.deepEqual(
          shownEntries(next.body).map((e) => e.seq),
          everything.slice(50, 100),
        );
      });

      it('verifies the chain from the back office and records that it did', async () => {
        await c.get('/admin/audit');
        const count = (await auditRows(t)).length;
        const res = await c.postForm('/admin/audit/verify', {});
        assert.equal(res.statusCode, 200);
        assert.match(res.body, new RegExp(`Chain verified: ${count} entries intact\\.`));
        const last = (await auditRows(t)).at(-1)!;
        assert.equal(last.action, 'audit.verified');
        assert.equal(last.actor_id, adminId);
        assert.deepEqual(JSON.parse(last.details), { ok: true, count });
        const noToken = await c.postForm('/admin/audit/verify', {}, { csrf: false });
        assert.equal(noToken.statusCode, 403, 'the form needs its CSRF token');
      });
    });
  });
}
