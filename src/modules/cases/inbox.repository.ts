/**
 * The inbox's SQL: one page of cases for a filter, in keyset order. Every filter and sort maps onto
 * an index of migration 0008 that leads with the filter and ends in the sort key, and the cursor is
 * a row-value comparison on that key, so a page is a short index range whatever page it is, at a
 * million reports, on both databases (bench/cases.ts measures it).
 * Who sees what is a predicate here too: a handler only cases wrapped for their active key.
 */
import { type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { Db } from '../../platform/db/index.ts';
import type { Database, ReportStatus } from '../../platform/db/schema.ts';
import { type Cursor, dayStart, endOfDay, type InboxFilter, PAGE_SIZE } from './inbox.query.ts';
import { DUE_SOON_MS } from './workflow.ts';

/** Whose inbox: everything (supervisor metadata) or the cases wrapped for one staff key. */
export type Visibility = { all: true } | { all: false; keyId: string | null };

export interface InboxRow {
  id: string;
  reference: string;
  channel_id: string;
  questionnaire_id: string;
  kind: string;
  source: string;
  status: ReportStatus;
  priority: number;
  assignee_id: string | null;
  assignee_name: string | null;
  registered_at: number;
  next_due_at: number | null;
  ack_due_at: number | null;
  feedback_due_at: number | null;
  acknowledged_at: number | null;
  first_reply_at: number | null;
  concluded_at: number | null;
  outcome: string | null;
  reporter_at_risk: number;
  protect_named: number;
  legal_hold: number;
}

type From = Database & { r: Database['reports']; l: Database['case_labels'] };
type Q = SelectQueryBuilder<From, 'r' | 'l', object>;

const COLUMNS = [
  'r.id',
  'r.reference',
  'r.channel_id',
  'r.questionnaire_id',
  'r.kind',
  'r.source',
  'r.status',
  'r.priority',
  'r.assignee_id',
  'r.registered_at',
  'r.next_due_at',
  'r.ack_due_at',
  'r.feedback_due_at',
  'r.acknowledged_at',
  'r.first_reply_at',
  'r.concluded_at',
  'r.outcome',
  'r.reporter_at_risk',
  'r.protect_named',
  'r.legal_hold',
] as const;

export class InboxRepository {
  constructor(private readonly db: Db) {}

  /** The key a staff member's wraps are made for (null: they hold none, so see nothing shared). */
  async activeKeyId(staffId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('staff_keys')
      .select('id')
      .where('staff_id', '=', staffId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /**
   * One page (and whether there is a next one) for a filter whose assignee is already resolved
   * ('me' replaced by an id). `limit` rows at most; the export reads bigger batches the same way.
   */
  async page(
    filter: InboxFilter,
    vis: Visibility,
    now: number,
    cursor: Cursor | undefined,
    limit = PAGE_SIZE,
  ): Promise<{ rows: InboxRow[]; next: Cursor | undefined }> {
    if (!vis.all && vis.keyId === null) return { rows: [], next: undefined };
    let rows: InboxRow[];
    if (filter.sort === 'due') {
      // Dated cases first (by deadline), then the undated ones (concluded) by id: two index
      // ranges, one after the other, rather than an OR the planners cannot range-scan.
      rows = [];
      if (!cursor || cursor.key !== null) {
        let q = this.base(filter, vis, now, false).where('r.next_due_at', 'is not', null);
        if (cursor && cursor.key !== null)
          q = q.where((eb) =>
            eb(eb.refTuple('r.next_due_at', 'r.id'), '>', eb.tuple(cursor.key!, cursor.id)),
          );
        rows = (await this.run(
          q
            .orderBy('r.next_due_at', 'asc')
            .orderBy('r.id', 'asc')
            .limit(limit + 1),
        )) as InboxRow[];
      }
      if (rows.length <= limit && filter.deadline === undefined) {
        let q = this.base(filter, vis, now, false).where('r.next_due_at', 'is', null);
        if (cursor && cursor.key === null) q = q.where('r.id', '>', cursor.id);
        const more = (await this.run(q.orderBy('r.id', 'asc').limit(limit + 1 - rows.length))) as InboxRow[];
        rows = rows.concat(more);
      }
    } else {
      const desc = filter.sort === 'newest';
      const byLabel = filter.label !== undefined;
      // A label filter walks the label's own index (label, registered_at, report_id).
      const [at, id] = byLabel
        ? (['l.registered_at', 'l.report_id'] as const)
        : (['r.registered_at', 'r.id'] as const);
      let q = this.base(filter, vis, now, byLabel);
      if (cursor && cursor.key !== null)
        q = q.where((eb) => eb(eb.refTuple(at, id), desc ? '<' : '>', eb.tuple(cursor.key!, cursor.id)));
      const dir = desc ? 'desc' : 'asc';
      rows = (await this.run(
        q
          .orderBy(at, dir)
          .orderBy(id, dir)
          .limit(limit + 1),
      )) as InboxRow[];
    }
    const more = rows.length > limit;
    if (more) rows = rows.slice(0, limit);
    const last = rows[rows.length - 1];
    const next =
      more && last
        ? {
            sort: filter.sort,
            key: filter.sort === 'due' ? last.next_due_at : last.registered_at,
            id: last.id,
          }
        : undefined;
    return { rows, next };
  }

  /** How many cases a filter matches (the export's progress bar; never on the inbox's path). */
  async count(filter: InboxFilter, vis: Visibility, now: number): Promise<number> {
    if (!vis.all && vis.keyId === null) return 0;
    const row = await this.base(filter, vis, now, filter.label !== undefined)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number((row as { n?: number } | undefined)?.n ?? 0);
  }

  private async run(q: Q): Promise<unknown[]> {
    const rows = await q
      .leftJoin('staff as s', 's.id', 'r.assignee_id')
      .select([...COLUMNS, 's.display_name as assignee_name'])
      .execute();
    return rows;
  }

  /** The filtered cases, without order or cursor. */
  private base(f: InboxFilter, vis: Visibility, now: number, byLabel: boolean): Q {
    let q = (byLabel
      ? this.db
          .selectFrom('case_labels as l')
          .innerJoin('reports as r', 'r.id', 'l.report_id')
          .where('l.label', '=', f.label!)
      : this.db.selectFrom('reports as r')) as unknown as Q;
    if (!vis.all)
      q = q.where((eb) =>
        eb.exists(
          (eb as unknown as ExpressionBuilder<Database & { r: Database['reports'] }, 'r'>)
            .selectFrom('report_key_wraps as w')
            .select(sql.lit(1).as('one'))
            .whereRef('w.report_id', '=', 'r.id')
            .where('w.key_id', '=', vis.keyId!),
        ),
      );
    if (f.label !== undefined && !byLabel)
      q = q.where((eb) =>
        eb.exists(
          (eb as unknown as ExpressionBuilder<Database & { r: Database['reports'] }, 'r'>)
            .selectFrom('case_labels as cl')
            .select(sql.lit(1).as('one'))
            .whereRef('cl.report_id', '=', 'r.id')
            .where('cl.label', '=', f.label!),
        ),
      );
    if (f.status) q = q.where('r.status', '=', f.status);
    if (f.channel) q = q.where('r.channel_id', '=', f.channel);
    if (f.category) q = q.where('r.questionnaire_id', '=', f.category);
    if (f.priority !== undefined) q = q.where('r.priority', '=', f.priority);
    if (f.assignee === 'none') q = q.where('r.assignee_id', 'is', null);
    else if (f.assignee) q = q.where('r.assignee_id', '=', f.assignee);
    if (f.ref) q = q.where('r.reference', '=', f.ref);
    const soon = now + DUE_SOON_MS;
    if (f.deadline === 'overdue') q = q.where('r.next_due_at', '<', now);
    else if (f.deadline === 'due-soon')
      q = q.where('r.next_due_at', '>=', now).where('r.next_due_at', '<=', soon);
    else if (f.deadline === 'on-time') q = q.where('r.next_due_at', '>', soon);
    const at = byLabel ? 'l.registered_at' : 'r.registered_at';
    const from = f.from ? dayStart(f.from) : undefined;
    const to = f.to ? dayStart(f.to) : undefined;
    if (from !== undefined) q = q.where(at, '>=', from);
    if (to !== undefined) q = q.where(at, '<=', endOfDay(to));
    return q;
  }

  /** The labels of the cases on a page, by case. */
  async labelsOf(ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('case_labels')
      .select(['report_id', 'label'])
      .where('report_id', 'in', ids)
      .orderBy('label')
      .execute();
    for (const r of rows) {
      const list = out.get(r.report_id) ?? [];
      list.push(r.label);
      out.set(r.report_id, list);
    }
    return out;
  }

  /** Handlers and supervisors who can be assigned cases (active accounts). */
  async caseWorkers(): Promise<{ id: string; displayName: string; hasKey: boolean }[]> {
    const rows = await this.db
      .selectFrom('staff as s')
      .select(['s.id', 's.display_name'])
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('staff_keys as k')
              .select(sql.lit(1).as('one'))
              .whereRef('k.staff_id', '=', 's.id')
              .where('k.status', '=', 'active'),
          )
          .as('has_key'),
      )
      .where('s.status', '=', 'active')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('staff_roles as sr')
            .select(sql.lit(1).as('one'))
            .whereRef('sr.staff_id', '=', 's.id')
            .where('sr.role', 'in', ['handler', 'supervisor']),
        ),
      )
      .orderBy('s.display_name')
      .execute();
    return rows.map((r) => ({ id: r.id, displayName: r.display_name, hasKey: Boolean(r.has_key) }));
  }

  // --- Saved filters ---------------------------------------------------------------------------

  savedFilters(staffId: string) {
    return this.db
      .selectFrom('saved_filters')
      .select(['id', 'name', 'query'])
      .where('staff_id', '=', staffId)
      .orderBy('name')
      .orderBy('id')
      .execute();
  }

  async saveFilter(row: { id: string; staff_id: string; name: string; query: string; created_at: number }) {
    await this.db.insertInto('saved_filters').values(row).execute();
  }

  async countSaved(staffId: string): Promise<number> {
    const r = await this.db
      .selectFrom('saved_filters')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('staff_id', '=', staffId)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async deleteFilter(staffId: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('saved_filters')
      .where('id', '=', id)
      .where('staff_id', '=', staffId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
