/**
 * Protection flags of a case (protection.service.ts has the rules):
 *   GET  /admin/cases/:id/protection             the flags and their checklists
 *   POST /admin/cases/:id/protection             set or clear a flag (flag, on, version)
 *   POST /admin/cases/:id/protection/checklist   the ticked items of one flag (flag, items[], version)
 * Handlers and supervisors the case is shared with; anyone else gets a 404. Nothing here needs
 * the case's content, so sharing (a wrap for the person's active key) is what is checked.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import type { ProtectionFlag } from '../../platform/db/schema.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf } from '../../platform/http/request.ts';
import type { Flash } from '../../platform/views/layout.ts';
import { actorOf } from '../accounts/staff.routes.ts';
import { isSharedWith } from './access.ts';
import { CASE_PARAMS, type CaseRequest, MESSAGE_QUERY } from './guard.ts';
import { CHECKLISTS, FLAGS, ProtectionService } from './protection.service.ts';
import { protectionMessages, protectionPageView } from './protection.views.ts';

const STAFF = { access: ['handler', 'supervisor'] } as const;
const FLAG_FIELDS = { flag: 40, on: 5, version: 20 };
const CHECKLIST_FIELDS = { flag: 40, items: 60, version: 20 };

const asFlag = (v: string | undefined): ProtectionFlag | undefined =>
  FLAGS.includes(v as ProtectionFlag) ? (v as ProtectionFlag) : undefined;
const asVersion = (v: string | undefined): number | undefined =>
  v && /^\d{1,12}$/.test(v) ? Number(v) : undefined;

export function registerProtectionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const service = new ProtectionService(ctx);
  const base = (id: string) => `/admin/cases/${id}/protection`;

  async function render(
    req: CaseRequest,
    reply: FastifyReply,
    o: { flash?: Flash; kept?: { flag: ProtectionFlag; ticked: ReadonlySet<string> } },
    status = 200,
  ) {
    const lang = langOf(req);
    const state = await service.state(req.params.id);
    if (!state) return sendErrorPage(ctx.pages, req, reply, 404);
    const view = protectionPageView(lang, ctx.csrf.token(req, reply), state, o);
    return ctx.pages.admin(req, reply, `${protectionMessages(lang).title} ${state.reference}`, view, status);
  }

  const shared = async (req: CaseRequest, reply: FastifyReply) => {
    if (await isSharedWith(ctx.db, req.staff!.id, req.params.id)) return true;
    sendErrorPage(ctx.pages, req, reply, 404);
    return false;
  };

  app.get<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/cases/:id/protection',
    { config: STAFF, schema: { params: CASE_PARAMS, querystring: MESSAGE_QUERY } },
    async (req, reply) => {
      if (!(await shared(req, reply))) return reply;
      const text = req.query.m ? protectionMessages(langOf(req)).flashes[req.query.m] : undefined;
      return render(req, reply, { flash: text ? { kind: 'ok', text } : undefined });
    },
  );

  app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/cases/:id/protection',
    {
      config: STAFF,
      schema: { params: CASE_PARAMS, body: formBodySchema(FLAG_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (!(await shared(req, reply))) return reply;
      const m = protectionMessages(langOf(req));
      const form = readForm(req.body, FLAG_FIELDS, req.validationError !== undefined);
      const flag = asFlag(form.values.flag);
      const version = asVersion(form.values.version);
      const on = form.values.on === '1' ? true : form.values.on === '0' ? false : undefined;
      if (!flag || version === undefined || on === undefined)
        return render(req, reply, { flash: { kind: 'error', text: m.invalid } }, 400);
      const outcome = await service.setFlag(req.params.id, actorOf(req.staff!), flag, on, version);
      if (!outcome.ok)
        return outcome.problem === 'stale'
          ? render(req, reply, { flash: { kind: 'error', text: m.stale } }, 409)
          : sendErrorPage(ctx.pages, req, reply, 404);
      return reply.redirect(`${base(req.params.id)}?m=saved`, 303);
    },
  );

  app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/cases/:id/protection/checklist',
    {
      config: STAFF,
      schema: { params: CASE_PARAMS, body: formBodySchema(CHECKLIST_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (!(await shared(req, reply))) return reply;
      const m = protectionMessages(langOf(req));
      const form = readForm(req.body, CHECKLIST_FIELDS, req.validationError !== undefined);
      const flag = asFlag(form.values.flag);
      const version = asVersion(form.values.version);
      if (!flag || version === undefined)
        return render(req, reply, { flash: { kind: 'error', text: m.invalid } }, 400);
      const items = form.lists.items ?? [];
      const known = new Set(CHECKLISTS[flag]);
      const ticked = new Set(items.filter((i) => known.has(i)));
      if (ticked.size !== new Set(items).size)
        return render(req, reply, { flash: { kind: 'error', text: m.invalid }, kept: { flag, ticked } }, 400);
      const outcome = await service.saveChecklist(req.params.id, actorOf(req.staff!), flag, ticked, version);
      if (!outcome.ok)
        return outcome.problem === 'stale'
          ? render(req, reply, { flash: { kind: 'error', text: m.stale }, kept: { flag, ticked } }, 409)
          : sendErrorPage(ctx.pages, req, reply, 404);
      return reply.redirect(`${base(req.params.id)}?m=saved`, 303);
    },
  );
}
