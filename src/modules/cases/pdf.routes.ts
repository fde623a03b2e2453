/**
 * GET /admin/cases/:id/export.pdf: one case as a PDF (pdf.ts), for supervisors the case is shared
 * with. Anyone else gets a 404 (not 403: whether a case exists is not theirs to learn). Every
 * export is audited and noted on the case's timeline before the first byte is sent.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { langOf } from '../../platform/http/request.ts';
import { actorOf } from '../accounts/staff.routes.ts';
import { openCaseKeys, sessionPrivateKey } from './access.ts';
import { loadCasePdf, renderCasePdf } from './pdf.ts';
import { recordCaseEvent } from './timeline.ts';

const PARAMS = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
  required: ['id'],
} as const;

export function registerPdfRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { id: string } }>(
    '/admin/cases/:id/export.pdf',
    { config: { access: ['supervisor'] }, schema: { params: PARAMS } },
    async (req, reply) => {
      const staff = req.staff!;
      const reportId = req.params.id;
      const keys = await openCaseKeys(ctx.db, staff.id, sessionPrivateKey(req.session), reportId);
      if (!keys) return sendErrorPage(ctx.pages, req, reply, 404);
      const lang = langOf(req);
      const data = await loadCasePdf(ctx, reportId, keys, lang);
      if (!data) return sendErrorPage(ctx.pages, req, reply, 404);
      const actor = actorOf(staff);
      await ctx.db.transaction().execute(async (trx) => {
        await ctx.audit.record(
          { actor, action: 'case.pdf-exported', targetType: 'report', targetId: reportId },
          trx,
        );
        await recordCaseEvent(trx, { reportId, actor, kind: 'pdf-exported', at: ctx.now() });
      });
      const stream = await renderCasePdf(data, lang, {
        now: ctx.now(),
        compress: !pdfTestHooks.uncompressed,
        warn: (msg) => req.log.warn(msg),
      });
      return reply
        .type('application/pdf')
        .header(
          'content-disposition',
          `attachment; filename="case-${data.reference.replace(/[^A-Za-z0-9-]/g, '')}.pdf"`,
        )
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );
}

/** Tests switch compression off to read the page text; never set in production code. */
export const pdfTestHooks = { uncompressed: false };
