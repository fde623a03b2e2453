/**
 * Every form of the case page under hostile input: random fields and values, the right version or
 * a wrong one, broken encodings, wrong content types. Never a 5xx; a refused form leaves the case
 * exactly as it was (no half-written note, message, label, link, approval, share or audit entry);
 * an accepted one changes the version and leaves an audit entry, or changes nothing at all when
 * there was nothing to do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { caseChannel, makeReport, signedInStaff } from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';
import { hostileString as hostile } from '../helpers/fuzz.ts';
import type { HttpClient } from '../helpers/http-client.ts';

const FIELDS = [
  'version',
  'note',
  'message',
  'kind',
  'priority',
  'label',
  'reference',
  'linkedId',
  'assignee',
  'staffId',
  'to',
  'sendAck',
  'ackShown',
  'outcome',
  'reason',
  'decision',
  '__proto__',
  'constructor',
];

/** The fields each form has: half the runs send those, with likely or hostile values. */
const FORM_FIELDS: Record<string, string[]> = {
  notes: ['note'],
  messages: ['message', 'kind'],
  priority: ['priority'],
  labels: ['label'],
  'labels/remove': ['label'],
  links: ['reference'],
  'links/remove': ['linkedId'],
  assign: ['assignee'],
  share: ['staffId'],
  stage: ['to', 'sendAck', 'ackShown'],
  conclude: ['outcome', 'reason'],
  approvals: ['decision'],
};

const ACTIONS = [
  'notes',
  'messages',
  'priority',
  'labels',
  'labels/remove',
  'links',
  'links/remove',
  'assign',
  'share',
  'stage',
  'conclude',
];

for (const dialect of await dialects()) {
  describe(`case page form fuzzing (${dialect})`, () => {
    let t: TestApp;
    let sup: HttpClient;
    let caseId: string;
    let approvalPath = 'approvals/none';
    const extra: string[] = [];
    const runs = dialect === 'sqlite' ? 250 : 80;

    before(async () => {
      t = await createTestApp(dialect);
      const s1 = await signedInStaff(t, ['supervisor']);
      const s2 = await signedInStaff(t, ['supervisor']);
      const h = await signedInStaff(t, ['handler']);
      sup = s1.client;
      sup.lang = 'en';
      const channel = await caseChannel(t, [s1.staff.id, h.staff.id]);
      const r = await makeReport(t, channel);
      const other = await makeReport(t, channel);
      caseId = r.reportId;
      extra.push(
        s2.staff.id,
        h.staff.id,
        s1.staff.id,
        other.reference,
        other.reportId,
        r.reference,
        'acknowledged',
        'assessing',
        'addressing',
        'concluded',
        'duplicate',
        'false-or-malicious',
        'question',
        'message',
        'approve',
        'refuse',
        '1',
        '4',
      );
    });
    after(() => t.close());

    async function snapshot() {
      const db = t.db.handle.db;
      const count = async (
        table:
          | 'case_notes'
          | 'report_messages'
          | 'case_events'
          | 'case_approvals'
          | 'report_key_wraps'
          | 'staff_notices',
      ) =>
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const labels = await db.selectFrom('case_labels').select('label').orderBy('label').execute();
      const links = await db.selectFrom('case_links').select(['report_id', 'linked_id']).execute();
      const writes = await db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('action', 'like', 'case.%')
        .where('action', '<>', 'case.read')
        .executeTakeFirstOrThrow();
      const row = await db
        .selectFrom('reports')
        .select([
          'version',
          'status',
          'priority',
          'assignee_id',
          'outcome',
          'acknowledged_at',
          'first_reply_at',
        ])
        .where('id', '=', caseId)
        .executeTakeFirstOrThrow();
      return {
        notes: await count('case_notes'),
        messages: await count('report_messages'),
        events: await count('case_events'),
        approvals: await count('case_approvals'),
        wraps: await count('report_key_wraps'),
        notices: await count('staff_notices'),
        labels: labels.map((l) => l.label),
        links: links.length,
        writes: Number(writes.n),
        row: { ...row, version: Number(row.version) },
      };
    }

    it('never fails and never half-writes', async () => {
      const value = hostile({ extra, longMax: 12_000 });
      const likely = fc.oneof(fc.constantFrom(...extra), value);
      const input = fc
        .constantFrom(...ACTIONS, 'approvals')
        .chain((action) =>
          fc.tuple(
            fc.constant(action),
            fc.oneof(
              fc.array(fc.tuple(fc.constantFrom(...FIELDS), value), { maxLength: 8 }),
              fc.tuple(...FORM_FIELDS[action]!.map((f) => fc.tuple(fc.constant(f), likely))),
            ),
          ),
        );
      await fc.assert(
        fc.asyncProperty(input, fc.nat(9), fc.nat(9), fc.nat(9), async ([action, pairs], v, tk, br) => {
          const rightVersion = v > 1;
          const withToken = tk > 0;
          const broken = br === 0;
          const page = await sup.get(`/admin/cases/${caseId}`);
          assert.equal(page.statusCode, 200);
          const pending = /action="\/admin\/cases\/[^/]+\/(approvals\/[A-Za-z0-9_-]+)"/.exec(page.body);
          if (pending) approvalPath = pending[1]!;
          const version = /name="version" value="(\d+)"/.exec(page.body)?.[1] ?? '0';
          const params = new URLSearchParams();
          if (withToken && sup.csrf) params.append('_csrf', sup.csrf);
          if (rightVersion) params.append('version', version);
          for (const [k, v] of pairs) params.append(k, v);
          let body = params.toString();
          if (broken) body += '&broken=%E4%B8&bad=%G1%&=&&==';
          const before = await snapshot();
          const path = action === 'approvals' ? approvalPath : action;
          const res = await sup.postRaw(`/admin/cases/${caseId}/${path}`, body);
          assert.ok(res.statusCode < 500, `${path} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
          assert.doesNotMatch(res.body, /node_modules|at async |FST_ERR/);
          const afterwards = await snapshot();
          if (res.statusCode === 303 && afterwards.row.version !== before.row.version) {
            assert.ok(afterwards.row.version > before.row.version, 'an accepted form bumps the version');
            assert.ok(afterwards.writes > before.writes, 'an accepted form is audited');
          } else {
            // Refused, or accepted with nothing to do (already shared, the label already there).
            assert.deepEqual(afterwards, before, `${path} answered ${res.statusCode} and changed nothing`);
          }
        }),
        { numRuns: runs },
      );
    });
  });
}
