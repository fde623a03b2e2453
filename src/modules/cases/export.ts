/**
 * The CSV export job: the NON-IDENTIFYING metadata of every case matching an inbox filter, written
 * to a file under <dataDir>/exports in keyset batches (bounded memory at any size: one batch of
 * rows in memory, the file stream's backpressure honoured), with progress after every batch.
 *
 * Never in the file: answers, identity, notes, messages, the conclusion's reason, assignees, and
 * labels (staff type labels freely; a label can name someone, so it stays out). Every date is a
 * day: the minute a report was made, or a deadline computed from it, can point at one person.
 * Files older than EXPORT_TTL_MS are deleted by the next export job (and never served).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../app-context.ts';
import { reportsOf } from '../reports/module.ts';
import { type Cursor, parseInboxQuery } from './inbox.query.ts';
import { InboxRepository, type InboxRow, type Visibility } from './inbox.repository.ts';

export const EXPORT_JOB = 'cases.export';
export const EXPORT_TTL_MS = 24 * 3_600_000;
export const EXPORT_BATCH = 1_000;

export const exportDir = (ctx: AppContext) => path.join(ctx.config.dataDir, 'exports');
export const exportFile = (ctx: AppContext, id: string) => path.join(exportDir(ctx), `${id}.csv`);

export const CSV_COLUMNS = [
  'reference',
  'channel',
  'category',
  'category_title',
  'kind',
  'source',
  'status',
  'priority',
  'registered_day',
  'acknowledged_day',
  'first_reply_day',
  'concluded_day',
  'outcome',
  'ack_due_day',
  'feedback_due_day',
  'ack_met',
  'feedback_met',
] as const;

const day = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().slice(0, 10));

/** A CSV cell: formula-looking text is defused with a leading quote, then quoted when needed. */
export function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Whether a deadline was met: yes/no once decided, empty while it still runs. */
function met(doneAt: number | null, dueAt: number | null, now: number): string {
  if (dueAt === null) return '';
  if (doneAt !== null) return doneAt <= dueAt ? 'yes' : 'no';
  return now > dueAt ? 'no' : '';
}

export function csvLine(r: InboxRow, titles: Map<string, string>, now: number): string {
  // Feedback is given by the first reply to the reporter, or by concluding.
  const feedbackAt =
    r.first_reply_at === null
      ? r.concluded_at
      : r.concluded_at === null
        ? r.first_reply_at
        : Math.min(r.first_reply_at, r.concluded_at);
  return `${[
    r.reference,
    r.channel_id,
    r.questionnaire_id,
    titles.get(r.questionnaire_id) ?? '',
    r.kind,
    r.source,
    r.status,
    r.priority,
    day(r.registered_at),
    day(r.acknowledged_at),
    day(r.first_reply_at),
    day(r.concluded_at),
    r.outcome,
    day(r.ack_due_at),
    day(r.feedback_due_at),
    met(r.acknowledged_at, r.ack_due_at, now),
    met(feedbackAt, r.feedback_due_at, now),
  ]
    .map(csvCell)
    .join(',')}\r\n`;
}

/** Deletes export files (and forgets their rows' files) older than the time they are kept. */
export async function purgeOldExports(ctx: AppContext): Promise<void> {
  const cutoff = ctx.now() - EXPORT_TTL_MS;
  const old = await ctx.db.selectFrom('case_exports').select('id').where('created_at', '<', cutoff).execute();
  for (const { id } of old) {
    fs.rmSync(exportFile(ctx, id), { force: true });
    fs.rmSync(`${exportFile(ctx, id)}.part`, { force: true });
  }
  if (old.length > 0) await ctx.db.deleteFrom('case_exports').where('created_at', '<', cutoff).execute();
}

export async function visibilityFor(
  ctx: AppContext,
  repo: InboxRepository,
  staffId: string,
): Promise<Visibility> {
  const sup = await ctx.db
    .selectFrom('staff_roles')
    .select('role')
    .where('staff_id', '=', staffId)
    .where('role', '=', 'supervisor')
    .executeTakeFirst();
  return sup ? { all: true } : { all: false, keyId: await repo.activeKeyId(staffId) };
}

function write(out: fs.WriteStream, text: string): Promise<void> {
  return out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', resolve));
}

export async function runExportJob(ctx: AppContext, payload: { exportId: string }): Promise<void> {
  await purgeOldExports(ctx);
  const job = await ctx.db
    .selectFrom('case_exports')
    .selectAll()
    .where('id', '=', String(payload?.exportId ?? ''))
    .executeTakeFirst();
  if (!job || job.status === 'done' || job.status === 'failed') return;
  const repo = new InboxRepository(ctx.db);
  const parsed = parseInboxQuery(Object.fromEntries(new URLSearchParams(job.query)));
  const filter =
    parsed.filter.assignee === 'me' ? { ...parsed.filter, assignee: job.staff_id } : parsed.filter;
  const now = job.created_at;
  const vis = await visibilityFor(ctx, repo, job.staff_id);
  const total = await repo.count(filter, vis, now);
  await ctx.db
    .updateTable('case_exports')
    .set({ status: 'running', rows_total: total, rows_done: 0 })
    .where('id', '=', job.id)
    .execute();
  const titles = new Map<string, string>();
  for (const q of (await reportsOf(ctx).directory.snapshot()).questionnaires.values())
    titles.set(q.id, q.definition.title.en);

  fs.mkdirSync(exportDir(ctx), { recursive: true, mode: 0o700 });
  const part = `${exportFile(ctx, job.id)}.part`;
  const out = fs.createWriteStream(part, { mode: 0o600 });
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  let done = 0;
  try {
    // A byte-order mark so spreadsheet programs read the Chinese titles as UTF-8.
    await write(out, `\ufeff${CSV_COLUMNS.join(',')}\r\n`);
    let cursor: Cursor | undefined;
    do {
      const page = await repo.page(filter, vis, now, cursor, EXPORT_BATCH);
      let chunk = '';
      for (const r of page.rows) chunk += csvLine(r, titles, now);
      await write(out, chunk);
      done += page.rows.length;
      cursor = page.next;
      await ctx.db.updateTable('case_exports').set({ rows_done: done }).where('id', '=', job.id).execute();
    } while (cursor);
    out.end();
    await closed;
    fs.renameSync(part, exportFile(ctx, job.id));
  } catch (err) {
    out.destroy();
    fs.rmSync(part, { force: true });
    await ctx.db
      .updateTable('case_exports')
      .set({ status: 'failed', finished_at: ctx.now() })
      .where('id', '=', job.id)
      .execute();
    throw err;
  }
  const staff = await ctx.db
    .selectFrom('staff')
    .select('username')
    .where('id', '=', job.staff_id)
    .executeTakeFirst();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('case_exports')
      .set({ status: 'done', rows_done: done, rows_total: done, finished_at: ctx.now() })
      .where('id', '=', job.id)
      .execute();
    await ctx.audit.record(
      {
        actor: { id: job.staff_id, label: staff?.username ?? job.staff_id },
        action: 'cases.exported',
        targetType: 'case_export',
        targetId: job.id,
        details: { filter: job.query, rows: done },
      },
      trx,
    );
  });
}
