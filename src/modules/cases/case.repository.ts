/**
 * The case page's reads: the report's case columns, its labels, links, thread, notes, files,
 * timeline events and approvals, and the staff a case can go to. Rows only; sealed columns are
 * opened by the service, which holds the keys.
 */
import type { Transaction } from 'kysely';
import type { Db } from '../../platform/db/index.ts';
import type { CaseOutcome, Database, ReportStatus } from '../../platform/db/schema.ts';

type Executor = Db | Transaction<Database>;

const META_COLUMNS = [
  'id',
  'reference',
  'channel_id',
  'questionnaire_id',
  'questionnaire_version',
  'kind',
  'source',
  'identity_mode',
  'status',
  'registered_at',
  'received_at',
  'version',
  'assignee_id',
  'priority',
  'ack_due_at',
  'feedback_due_at',
  'next_due_at',
  'acknowledged_at',
  'first_reply_at',
  'concluded_at',
  'outcome',
  'purge_after',
  'legal_hold',
  'reporter_at_risk',
  'protect_named',
] as const;

export type CaseRow = Awaited<ReturnType<CaseRepository['meta']>> & {};

export interface LinkRow {
  id: string;
  reference: string;
  status: ReportStatus;
  /** 'to': this case linked the other; 'from': the other linked this one. */
  direction: 'to' | 'from';
}

/** More cases than this naming one entity make it common, not a lead (see related()). */
export const COMMON_ENTITY = 50;

/** A case that names the same e-mail address, phone number, domain... as this one (by blind index). */
export interface RelatedRow {
  id: string;
  reference: string;
  status: ReportStatus;
  /** Which kinds of entity they share (email, phone, domain, organisation, code). */
  kinds: string[];
}

export interface CaseWorker {
  id: string;
  displayName: string;
  roles: string[];
  hasKey: boolean;
  shared: boolean;
}

/** Numbers come back as strings from Postgres bigint columns: read them as numbers. */
export const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export class CaseRepository {
  constructor(private readonly db: Db) {}

  meta(id: string, ex: Executor = this.db) {
    return ex.selectFrom('reports').select(META_COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  async sealedParts(id: string) {
    return this.db
      .selectFrom('reports')
      .select(['sealed_answers', 'sealed_conclusion'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async labels(id: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('case_labels')
      .select('label')
      .where('report_id', '=', id)
      .orderBy('label')
      .execute();
    return rows.map((r) => r.label);
  }

  async links(id: string): Promise<LinkRow[]> {
    const [to, from] = await Promise.all([
      this.db
        .selectFrom('case_links as l')
        .innerJoin('reports as r', 'r.id', 'l.linked_id')
        .select(['r.id', 'r.reference', 'r.status'])
        .where('l.report_id', '=', id)
        .execute(),
      this.db
        .selectFrom('case_links as l')
        .innerJoin('reports as r', 'r.id', 'l.report_id')
        .select(['r.id', 'r.reference', 'r.status'])
        .where('l.linked_id', '=', id)
        .execute(),
    ]);
    const seen = new Set<string>();
    const out: LinkRow[] = [];
    for (const r of to) {
      seen.add(r.id);
      out.push({ ...r, direction: 'to' });
    }
    for (const r of from) if (!seen.has(r.id)) out.push({ ...r, direction: 'from' });
    return out.sort((a, b) => a.reference.localeCompare(b.reference));
  }

  /**
   * Cases that share an entity digest with this one (report_entities: HMACs under the linking key,
   * so matching needs no plaintext), not already linked, that the viewer may see in the inbox
   * (a handler: only cases shared with them). A digest that more than COMMON_ENTITY cases name
   * (a mail provider's domain, a switchboard number) says nothing and is left out. At most `limit`.
   */
  async related(id: string, viewer: { staffId: string; all: boolean }, limit = 20): Promise<RelatedRow[]> {
    const mine = await this.db
      .selectFrom('report_entities')
      .select(['kind', 'digest'])
      .where('report_id', '=', id)
      .limit(50)
      .execute();
    const telling: { kind: string; digest: string }[] = [];
    for (const e of mine) {
      const capped = await this.db
        .selectFrom((eb) =>
          eb
            .selectFrom('report_entities')
            .select('report_id')
            .where('kind', '=', e.kind)
            .where('digest', '=', e.digest)
            .limit(COMMON_ENTITY + 2)
            .as('m'),
        )
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      if (Number(capped.n) <= COMMON_ENTITY + 1) telling.push(e);
    }
    if (telling.length === 0) return [];
    let q = this.db
      .selectFrom('report_entities as other')
      .innerJoin('reports as r', 'r.id', 'other.report_id')
      .select(['r.id', 'r.reference', 'r.status', 'other.kind'])
      .where((eb) =>
        eb.or(telling.map((e) => eb.and([eb('other.kind', '=', e.kind), eb('other.digest', '=', e.digest)]))),
      )
      .where('other.report_id', '!=', id)
      // Not already linked, either way round.
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('case_links as l')
              .select('l.report_id')
              .where((eb) =>
                eb.or([
                  eb.and([eb('l.report_id', '=', id), eb('l.linked_id', '=', eb.ref('r.id'))]),
                  eb.and([eb('l.linked_id', '=', id), eb('l.report_id', '=', eb.ref('r.id'))]),
                ]),
              ),
          ),
        ),
      );
    if (!viewer.all)
      q = q.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('report_key_wraps as w')
            .innerJoin('staff_keys as k', 'k.id', 'w.key_id')
            .select('w.report_id')
            .whereRef('w.report_id', '=', 'r.id')
            .where('w.staff_id', '=', viewer.staffId)
            .where('k.status', '=', 'active'),
        ),
      );
    const rows = await q.limit(limit * 5).execute();
    const byCase = new Map<string, RelatedRow>();
    for (const r of rows) {
      const had = byCase.get(r.id);
      if (had) {
        if (!had.kinds.includes(r.kind)) had.kinds.push(r.kind);
      } else if (byCase.size < limit)
        byCase.set(r.id, { id: r.id, reference: r.reference, status: r.status, kinds: [r.kind] });
    }
    return [...byCase.values()].sort((x, y) => x.reference.localeCompare(y.reference));
  }

  messages(id: string) {
    return this.db
      .selectFrom('report_messages')
      .select(['id', 'author', 'staff_id', 'kind', 'sealed_body', 'created_at'])
      .where('report_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  notes(id: string) {
    return this.db
      .selectFrom('case_notes')
      .select(['id', 'staff_id', 'sealed_body', 'created_at'])
      .where('report_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  files(id: string) {
    return this.db
      .selectFrom('report_files')
      .select(['id', 'message_id', 'sealed_meta', 'created_at'])
      .where('report_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  file(reportId: string, fileId: string) {
    return this.db
      .selectFrom('report_files')
      .select(['id', 'sealed_meta'])
      .where('report_id', '=', reportId)
      .where('id', '=', fileId)
      .executeTakeFirst();
  }

  events(id: string) {
    return this.db
      .selectFrom('case_events')
      .select(['id', 'at', 'actor_label', 'kind', 'details'])
      .where('report_id', '=', id)
      .orderBy('id')
      .execute();
  }

  approvals(id: string) {
    return this.db
      .selectFrom('case_approvals')
      .select(['id', 'requested_by', 'requested_at', 'sealed_reason', 'outcome', 'status', 'decided_by'])
      .where('report_id', '=', id)
      .where('kind', '=', 'conclusion')
      .orderBy('requested_at', 'desc')
      .execute();
  }

  approval(ex: Executor, reportId: string, approvalId: string) {
    return ex
      .selectFrom('case_approvals')
      .select(['id', 'requested_by', 'sealed_reason', 'outcome', 'status'])
      .where('report_id', '=', reportId)
      .where('id', '=', approvalId)
      .where('kind', '=', 'conclusion')
      .executeTakeFirst();
  }

  async pendingConclusion(ex: Executor, reportId: string): Promise<boolean> {
    const row = await ex
      .selectFrom('case_approvals')
      .select('id')
      .where('report_id', '=', reportId)
      .where('kind', '=', 'conclusion')
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return row !== undefined;
  }

  async staffNames(ids: Iterable<string | null>): Promise<Map<string, string>> {
    const list = [...new Set([...ids].filter((i): i is string => i !== null))];
    if (list.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('staff')
      .select(['id', 'display_name'])
      .where('id', 'in', list)
      .execute();
    return new Map(rows.map((r) => [r.id, r.display_name]));
  }

  /** Active handlers and supervisors: whether they hold a key and can already read the case. */
  async caseWorkers(reportId: string, ex: Executor = this.db): Promise<CaseWorker[]> {
    const rows = await ex
      .selectFrom('staff as s')
      .innerJoin('staff_roles as r', 'r.staff_id', 's.id')
      .leftJoin('staff_keys as k', (j) => j.onRef('k.staff_id', '=', 's.id').on('k.status', '=', 'active'))
      .leftJoin('report_key_wraps as w', (j) =>
        j.onRef('w.key_id', '=', 'k.id').on('w.report_id', '=', reportId),
      )
      .select(['s.id', 's.display_name', 'r.role', 'k.id as key_id', 'w.key_id as wrap_key'])
      .where('s.status', '=', 'active')
      .where('r.role', 'in', ['handler', 'supervisor'])
      .orderBy('s.display_name')
      .execute();
    const byId = new Map<string, CaseWorker>();
    for (const r of rows) {
      const w = byId.get(r.id) ?? {
        id: r.id,
        displayName: r.display_name,
        roles: [],
        hasKey: r.key_id !== null,
        shared: r.wrap_key !== null,
      };
      if (!w.roles.includes(r.role)) w.roles.push(r.role);
      byId.set(r.id, w);
    }
    return [...byId.values()];
  }

  byReference(ex: Executor, reference: string) {
    return ex
      .selectFrom('reports')
      .select(['id', 'reference', 'status'])
      .where('reference', '=', reference)
      .executeTakeFirst();
  }

  /** Days of the retention rule for an outcome (the same table the purge job reads). */
  async retentionDays(ex: Executor, outcome: CaseOutcome): Promise<number | undefined> {
    const row = await ex
      .selectFrom('retention_rules')
      .select('days')
      .where('outcome', '=', outcome)
      .executeTakeFirst();
    return row ? Number(row.days) : undefined;
  }

  async activeSupervisors(ex: Executor): Promise<string[]> {
    const rows = await ex
      .selectFrom('staff as s')
      .innerJoin('staff_roles as r', 'r.staff_id', 's.id')
      .select('s.id')
      .where('s.status', '=', 'active')
      .where('r.role', '=', 'supervisor')
      .execute();
    return rows.map((r) => r.id);
  }
}
