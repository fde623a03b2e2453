/**
 * The reporter's identity on a case (identity.service.ts has the rules):
 *   GET  /admin/cases/:id/identity                          the page (shows the identity only under a grant)
 *   POST /admin/cases/:id/identity/request                  a written request (four eyes)
 *   POST /admin/cases/:id/identity/approvals/:approval      approve or refuse (another supervisor)
 *   POST /admin/cases/:id/identity/consent                  ask the reporter in their mailbox
 *   POST /admin/cases/:id/identity/grants/:grant/revoke     end a grant early (grantee or supervisor)
 * Handlers and supervisors the case is shared with; anyone else gets the 404 a missing case gets.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf, tOf } from '../../platform/http/request.ts';
import { checkText, type FieldErrors } from '../../platform/views/forms.ts';
import type { Flash } from '../../platform/views/layout.ts';
import type { CaseKeys } from './access.ts';
import { CASE_PARAMS, type CaseRequest, caseKeysOr404, MESSAGE_QUERY } from './guard.ts';
import {
  type IdentityProblem,
  IdentityService,
  REASON_MAX,
  REASON_MIN,
  type Viewer,
} from './identity.service.ts';
import { identityMessages, identityPageView } from './identity.views.ts';

const STAFF = { access: ['handler', 'supervisor'] } as const;
const REQUEST_FIELDS = { reason: REASON_MAX * 2 };
const DECISION_FIELDS = { decision: 20 };
const SUB_PARAMS = (name: string) =>
  ({
    type: 'object',
    properties: {
      id: CASE_PARAMS.properties.id,
      [name]: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    },
    required: ['id', name],
  }) as const;

const PROBLEM_STATUS: Record<IdentityProblem, number> = {
  anonymous: 409,
  'already-granted': 409,
  'already-pending': 409,
  'not-found': 404,
  'not-pending': 409,
  'own-request': 403,
  'not-supervisor': 403,
};

const viewerOf = (req: CaseRequest): Viewer => ({
  id: req.staff!.id,
  username: req.staff!.username,
  roles: req.staff!.roles,
});

export function registerIdentityRoutes(app: FastifyInstance, ctx: AppContext): void {
  const service = new IdentityService(ctx);
  const base = (id: string) => `/admin/cases/${id}/identity`;

  async function render(
    req: CaseRequest,
    reply: FastifyReply,
    keys: CaseKeys,
    o: { reason?: string; errors?: FieldErrors; flash?: Flash },
    status = 200,
  ) {
    const lang = langOf(req);
    const page = await service.page(req.params.id, viewerOf(req), keys);
    if (!page) return sendErrorPage(ctx.pages, req, reply, 404);
    const view = identityPageView(lang, ctx.csrf.token(req, reply), page, viewerOf(req), {
      reason: o.reason ?? '',
      errors: o.errors ?? {},
      flash: o.flash,
    });
    return ctx.pages.admin(req, reply, `${identityMessages(lang).title} ${page.reference}`, view, status);
  }

  const problemPage = (
    req: CaseRequest,
    reply: FastifyReply,
    keys: CaseKeys,
    p: IdentityProblem,
    reason = '',
  ) =>
    render(
      req,
      reply,
      keys,
      { reason, flash: { kind: 'error', text: identityMessages(langOf(req)).problems[p] ?? '' } },
      PROBLEM_STATUS[p],
    );

  app.get<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/cases/:id/identity',
    { config: STAFF, schema: { params: CASE_PARAMS, querystring: MESSAGE_QUERY } },
    async (req, reply) => {
      const keys = await caseKeysOr404(ctx, req, reply);
      if (!keys) return reply;
      const text = req.query.m ? identityMessages(langOf(req)).flashes[req.query.m] : undefined;
      return render(req, reply, keys, { flash: text ? { kind: 'ok', text } : undefined });
    },
  );

  app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/cases/:id/identity/request',
    {
      config: STAFF,
      schema: { params: CASE_PARAMS, body: formBodySchema(REQUEST_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const keys = await caseKeysOr404(ctx, req, reply);
      if (!keys) return reply;
      const t = tOf(req);
      const form = readForm(req.body, REQUEST_FIELDS, req.validationError !== undefined);
      const reason = (form.values.reason ?? '').replace(/\r\n?/g, '\n').trim();
      const errors: FieldErrors = {};
      const problem = checkText(t, reason, { required: true, min: REASON_MIN, max: REASON_MAX });
      if (problem) errors.reason = problem;
      if (form.truncated) errors._form = t.forms.requestTooLong;
      if (Object.keys(errors).length > 0) return render(req, reply, keys, { reason, errors }, 400);
      const outcome = await service.request(req.params.id, viewerOf(req), keys, reason);
      if (!outcome.ok) return problemPage(req, reply, keys, outcome.problem, reason);
      return reply.redirect(`${base(req.params.id)}?m=requested`, 303);
    },
  );

  app.post<{ Params: { id: string; approval: string }; Querystring: { m?: string } }>(
    '/admin/cases/:id/identity/approvals/:approval',
    {
      config: { access: ['supervisor'] },
      schema: { params: SUB_PARAMS('approval'), body: formBodySchema(DECISION_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const keys = await caseKeysOr404(ctx, req, reply);
      if (!keys) return reply;
      const decision = readForm(req.body, DECISION_FIELDS).values.decision;
      if (decision !== 'approve' && decision !== 'refuse')
        return render(
          req,
          reply,
          keys,
          { flash: { kind: 'error', text: tOf(req).forms.invalidChoice } },
          400,
        );
      const outcome = await service.decide(
        req.params.id,
        req.params.approval,
        viewerOf(req),
        decision === 'approve',
      );
      if (!outcome.ok) return problemPage(req, reply, keys, outcome.problem);
      return reply.redirect(
        `${base(req.params.id)}?m=${decision === 'approve' ? 'approved' : 'refused'}`,
        303,
      );
    },
  );

  app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/cases/:id/identity/consent',
    { config: STAFF, schema: { params: CASE_PARAMS, body: formBodySchema({}) }, attachValidation: true },
    async (req, reply) => {
      const keys = await caseKeysOr404(ctx, req, reply);
      if (!keys) return reply;
      const outcome = await service.askConsent(req.params.id, viewerOf(req), keys);
      if (!outcome.ok) return problemPage(req, reply, keys, outcome.problem);
      return reply.redirect(`${base(req.params.id)}?m=asked`, 303);
    },
  );

  app.post<{ Params: { id: string; grant: string }; Querystring: { m?: string } }>(
    '/admin/cases/:id/identity/grants/:grant/revoke',
    {
      config: STAFF,
      schema: { params: SUB_PARAMS('grant'), body: formBodySchema({}) },
      attachValidation: true,
    },
    async (req, reply) => {
      const keys = await caseKeysOr404(ctx, req, reply);
      if (!keys) return reply;
      const outcome = await service.revoke(req.params.id, req.params.grant, viewerOf(req));
      if (!outcome.ok) return problemPage(req, reply, keys, outcome.problem);
      return reply.redirect(`${base(req.params.id)}?m=revoked`, 303);
    },
  );
}
