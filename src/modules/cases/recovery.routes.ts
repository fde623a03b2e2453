/**
 * /admin/recovery: the organisation recovery key (recovery.service.ts). Admins set it up; admins
 * and supervisors ask for a recovery; share holders approve; anyone who reads cases can add
 * recovery wraps to the cases they hold ("protect my cases").
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf, tOf } from '../../platform/http/request.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import { actorOf } from '../accounts/staff.routes.ts';
import { sessionPrivateKey } from './access.ts';
import {
  activeKeyInfo,
  approveRecovery,
  pendingRequests,
  protectCasesOf,
  REASON_MAX,
  type RecoveryProblem,
  recoveryTargets,
  requestRecovery,
  setUpRecovery,
  shareCandidates,
} from './recovery.service.ts';
import { type RecoveryPageData, recoveryMessages, recoveryPageView } from './recovery.views.ts';

const VIEW = { access: ['admin', 'supervisor', 'handler'] } as const;
const REQUEST = { access: ['admin', 'supervisor'] } as const;
const SET_UP_FIELDS = { threshold: 10, holders: 80, replace: 10 };
const REQUEST_FIELDS = { target: 80, reason: REASON_MAX + 1 };
const FLASH_QUERY = {
  type: 'object',
  properties: { m: { type: 'string', maxLength: 20 }, n: { type: 'string', maxLength: 10 } },
} as const;
const ID_PARAMS = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
  required: ['id'],
} as const;

type Overrides = Partial<Pick<RecoveryPageData, 'setUp' | 'request' | 'flash'>>;

export function registerRecoveryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { pages, csrf } = ctx;

  const render = async (req: FastifyRequest, reply: FastifyReply, o: Overrides = {}, status = 200) => {
    const lang = langOf(req);
    const staff = req.staff!;
    const isAdmin = staff.roles.includes('admin');
    const canRequest = isAdmin || staff.roles.includes('supervisor');
    const key = await activeKeyInfo(ctx);
    const data: RecoveryPageData = {
      lang,
      csrf: csrf.token(req, reply),
      staffId: staff.id,
      isAdmin,
      canRequest,
      key,
      candidates: isAdmin ? await shareCandidates(ctx) : [],
      targets: canRequest && key ? await recoveryTargets(ctx) : [],
      pending: canRequest && key ? await pendingRequests(ctx) : [],
      flash: o.flash,
      setUp: o.setUp ?? {
        values: { threshold: '2', holders: [], replace: '' },
        errors: {},
      },
      request: o.request ?? { values: { target: '', reason: '' }, errors: {} },
    };
    return pages.admin(req, reply, recoveryMessages(lang).title, recoveryPageView(tOf(req), data), status);
  };

  app.get<{ Querystring: { m?: string; n?: string } }>(
    '/admin/recovery',
    { config: VIEW, schema: { querystring: FLASH_QUERY } },
    async (req, reply) => {
      const m = recoveryMessages(langOf(req));
      const text = req.query.m ? m.flash[req.query.m] : undefined;
      const n = Number.parseInt(req.query.n ?? '0', 10);
      return render(
        req,
        reply,
        text ? { flash: { kind: 'ok', text: fill(text, { n: Number.isFinite(n) ? n : 0 }) } } : {},
      );
    },
  );

  app.post(
    '/admin/recovery/setup',
    {
      config: { access: ['admin'] },
      schema: { body: formBodySchema(SET_UP_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const m = recoveryMessages(langOf(req));
      const form = readForm(req.body, SET_UP_FIELDS, req.validationError !== undefined);
      const values = {
        threshold: form.values.threshold ?? '',
        holders: form.lists.holders ?? [],
        replace: form.values.replace ?? '',
      };
      const errors: Record<string, string> = {};
      if (form.truncated) errors._form = m.problems.truncated;
      const threshold = /^\d{1,2}$/.test(values.threshold.trim())
        ? Number(values.threshold.trim())
        : Number.NaN;
      if (Number.isNaN(threshold)) errors.threshold = m.problems.threshold;
      if ((await activeKeyInfo(ctx)) && values.replace !== 'yes') errors.replace = m.problems.confirm;
      if (Object.keys(errors).length === 0) {
        const outcome = await setUpRecovery(ctx, actorOf(req.staff!), {
          threshold,
          holderIds: values.holders,
        });
        if (outcome.ok) return reply.redirect('/admin/recovery?m=set-up', 303);
        const field = outcome.problem === 'threshold' ? 'threshold' : 'holders';
        errors[field] = m.problems[outcome.problem];
      }
      return render(req, reply, { setUp: { values, errors } }, 400);
    },
  );

  app.post(
    '/admin/recovery/protect',
    { config: VIEW, schema: { body: formBodySchema({}) } },
    async (req, reply) => {
      const staff = req.staff!;
      const added = await protectCasesOf(ctx, staff.id, sessionPrivateKey(req.session) ?? Buffer.alloc(0));
      if (added === undefined) {
        const m = recoveryMessages(langOf(req));
        return render(req, reply, { flash: { kind: 'error', text: m.problems['no-key'] } }, 409);
      }
      await ctx.audit.record({
        actor: actorOf(staff),
        action: 'recovery.protected',
        targetType: 'staff',
        targetId: staff.id,
        details: { added },
      });
      return reply.redirect(`/admin/recovery?m=protected&n=${added}`, 303);
    },
  );

  app.post(
    '/admin/recovery/requests',
    { config: REQUEST, schema: { body: formBodySchema(REQUEST_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const m = recoveryMessages(langOf(req));
      const form = readForm(req.body, REQUEST_FIELDS, req.validationError !== undefined);
      const values = { target: form.values.target ?? '', reason: form.values.reason ?? '' };
      const errors: Record<string, string> = {};
      if (form.truncated) errors._form = m.problems.truncated;
      else {
        const outcome = await requestRecovery(ctx, actorOf(req.staff!), {
          targetId: values.target,
          reason: values.reason,
        });
        if (outcome.ok) return reply.redirect('/admin/recovery?m=requested', 303);
        const field: Record<string, string> = {
          reason: 'reason',
          'no-key': '_form',
          'too-few-holders': '_form',
        };
        errors[field[outcome.problem] ?? 'target'] = m.problems[outcome.problem];
      }
      return render(req, reply, { request: { values, errors } }, 400);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/admin/recovery/requests/:id/approve',
    { config: { access: ['supervisor'] }, schema: { params: ID_PARAMS, body: formBodySchema({}) } },
    async (req, reply) => {
      const staff = req.staff!;
      const outcome = await approveRecovery(
        ctx,
        { id: staff.id, label: staff.username },
        sessionPrivateKey(req.session),
        req.params.id,
      );
      if (outcome.ok)
        return reply.redirect(`/admin/recovery?m=${outcome.completed ? 'completed' : 'approved'}`, 303);
      const status: Record<RecoveryProblem, number> = {
        'not-pending': 404,
        'not-holder': 403,
        'is-target': 403,
      } as Record<RecoveryProblem, number>;
      const m = recoveryMessages(langOf(req));
      return render(
        req,
        reply,
        { flash: { kind: 'error', text: m.problems[outcome.problem] } },
        status[outcome.problem] ?? 409,
      );
    },
  );
}
