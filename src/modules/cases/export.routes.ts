/**
 * The CSV export pages: POST /admin/cases/export queues an export of the current filter; its page
 * shows progress (refreshing itself with a Refresh header: no script, and the CSP has no say over
 * it) and then the download, which streams the file to the staff member who made it, and nobody else.
 */
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf } from '../../platform/http/request.ts';
import { newId } from './access.ts';
import { EXPORT_JOB, EXPORT_TTL_MS, exportFile } from './export.ts';
import { inboxMessages } from './inbox.messages.ts';
import { cleanQuery } from './inbox.query.ts';
import type { InboxRepository } from './inbox.repository.ts';
import { exportView } from './inbox.views.ts';

const CASE_WORK = { access: ['handler', 'supervisor'] } as const;
const EXPORT_FIELDS = { query: 2000 };
const EXPORT_PARAMS = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}(\\.csv)?$' } },
  required: ['id'],
} as const;

export function registerExportRoutes(app: FastifyInstance, ctx: AppContext, _repo: InboxRepository): void {
  const { pages } = ctx;

  app.post(
    '/admin/cases/export',
    { config: CASE_WORK, schema: { body: formBodySchema(EXPORT_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const form = readForm(req.body, EXPORT_FIELDS, req.validationError !== undefined);
      // Whatever arrived, only known and valid filters are kept (the inbox does the same).
      const { query } = cleanQuery(form.values.query!);
      const id = newId();
      const now = ctx.now();
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('case_exports')
          .values({
            id,
            staff_id: req.staff!.id,
            query,
            status: 'queued',
            rows_done: 0,
            rows_total: null,
            created_at: now,
            finished_at: null,
          })
          .execute();
        await ctx.jobs.enqueue(EXPORT_JOB, { exportId: id }, {}, trx);
      });
      return reply.redirect(`/admin/cases/export/${id}`, 303);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/admin/cases/export/:id',
    { config: CASE_WORK, schema: { params: EXPORT_PARAMS } },
    async (req, reply) => {
      const m = inboxMessages(langOf(req));
      const csv = req.params.id.endsWith('.csv');
      const id = csv ? req.params.id.slice(0, -4) : req.params.id;
      const row = await ctx.db
        .selectFrom('case_exports')
        .selectAll()
        .where('id', '=', id)
        .where('staff_id', '=', req.staff!.id)
        .executeTakeFirst();
      // Someone else's export does not exist, as far as this person can tell.
      if (!row) return sendErrorPage(pages, req, reply, 404);
      const file = exportFile(ctx, id);
      const expired =
        ctx.now() - row.created_at > EXPORT_TTL_MS || (row.status === 'done' && !fs.existsSync(file));
      if (csv) {
        if (row.status !== 'done' || expired) return sendErrorPage(pages, req, reply, 404);
        await ctx.audit.record({
          actor: { id: req.staff!.id, label: req.staff!.username },
          action: 'cases.export-downloaded',
          targetType: 'case_export',
          targetId: id,
          details: { rows: row.rows_done },
        });
        const dayName = new Date(row.created_at).toISOString().slice(0, 10);
        return reply
          .type('text/csv; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="cases-${dayName}.csv"`)
          .send(fs.createReadStream(file));
      }
      const running = row.status === 'queued' || row.status === 'running';
      if (running) reply.header('refresh', '2');
      return pages.admin(
        req,
        reply,
        m.exportTitle,
        exportView(m, {
          id,
          status: row.status,
          rowsDone: row.rows_done,
          rowsTotal: row.rows_total,
          expired,
        }),
      );
    },
  );
}
