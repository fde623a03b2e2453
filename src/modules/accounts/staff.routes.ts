/** Staff administration routes (admins only). Thin: read the form, call the service, render. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf, type StaffIdentity, tOf } from '../../platform/http/request.ts';
import type { FieldErrors } from '../../platform/views/forms.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import type { Flash } from '../../platform/views/layout.ts';
import { emailMessagesFor } from './email.ts';
import type { AccountsModule } from './module.ts';
import { problemsToErrors } from './problems.ts';
import type { Outcome } from './staff.service.ts';
import { linkIssuedView, newStaffView, staffDetailView, staffListView } from './staff.views.ts';

const ADMIN = { access: ['admin'] } as const;
const NEW_FIELDS = { username: 100, displayName: 200, roles: 20, email: 400 };
const EMAIL_FIELDS = { email: 400, version: 12 };
const ROLE_FIELDS = { roles: 20, version: 12 };
const STATUS_FIELDS = { status: 12, version: 12 };
const ID_PARAMS = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
  required: ['id'],
} as const;
const LIST_QUERY = { type: 'object', properties: { m: { type: 'string', maxLength: 40 } } } as const;
const LINK_HOURS = 24;

export const actorOf = (staff: StaffIdentity): Actor => ({ id: staff.id, label: staff.username });

type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: { m?: string } }>;

export function registerStaffRoutes(app: FastifyInstance, ctx: AppContext, mod: AccountsModule): void {
  const { pages, csrf } = ctx;
  const linkUrl = (token: string) => `${ctx.config.publicUrl}/admin/setup/${token}`;

  app.get<{ Querystring: { m?: string } }>(
    '/admin/staff',
    { config: ADMIN, schema: { querystring: LIST_QUERY } },
    async (req, reply) => {
      const t = tOf(req);
      return pages.admin(
        req,
        reply,
        t.staff.listTitle,
        staffListView(t, langOf(req), { staff: await mod.repo.list() }),
      );
    },
  );

  app.get('/admin/staff/new', { config: ADMIN }, async (req, reply) => {
    const t = tOf(req);
    return pages.admin(
      req,
      reply,
      t.staff.newTitle,
      newStaffView(t, { csrf: csrf.token(req, reply), values: {}, roles: [], errors: {} }),
    );
  });

  app.post(
    '/admin/staff',
    { config: ADMIN, schema: { body: formBodySchema(NEW_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const t = tOf(req);
      const form = readForm(req.body, NEW_FIELDS, req.validationError !== undefined);
      const input = {
        username: form.values.username!,
        displayName: form.values.displayName!,
        roles: form.lists.roles!,
        email: form.values.email!,
      };
      const outcome = await mod.staff.create(actorOf(req.staff!), input);
      if (outcome.ok && !form.truncated) {
        const text = fill(t.staff.created, { name: input.displayName.trim(), hours: LINK_HOURS });
        return pages.admin(
          req,
          reply,
          t.staff.newTitle,
          linkIssuedView(t, {
            title: t.staff.newTitle,
            text,
            link: linkUrl(outcome.token),
            backHref: `/admin/staff/${outcome.staffId}`,
          }),
        );
      }
      const errors: FieldErrors = 'problems' in outcome ? problemsToErrors(t, outcome.problems) : {};
      if (form.truncated) errors._form = t.forms.requestTooLong;
      const view = newStaffView(t, {
        csrf: csrf.token(req, reply),
        values: input,
        roles: input.roles,
        errors,
      });
      return pages.admin(req, reply, t.staff.newTitle, view, 400);
    },
  );

  const renderDetail = async (
    req: IdRequest,
    reply: FastifyReply,
    v: { errors?: FieldErrors; flash?: Flash; roles?: string[]; email?: string } = {},
    status = 200,
  ) => {
    const t = tOf(req);
    const row = await mod.repo.findById(req.params.id);
    if (!row) return pages.message(req, reply, 404, t.errors.title404, t.errors.body404);
    const key = await mod.repo.activeKey(row.id);
    const staff = {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      email: row.email,
      status: row.status,
      roles: row.roles,
      version: row.version,
      totpEnrolled: row.totp_secret_sealed !== null,
      lastSigninAt: row.last_signin_at,
      keyCreatedAt: key?.created_at ?? null,
      isSelf: row.id === req.staff!.id,
    };
    const flash = v.flash ?? messageFlash(t, req.query.m);
    const view = staffDetailView(t, langOf(req), {
      csrf: csrf.token(req, reply),
      staff,
      roles: v.roles ?? row.roles,
      email: v.email ?? row.email ?? '',
      errors: v.errors ?? {},
      flash,
    });
    return pages.admin(req, reply, row.display_name, view, status);
  };

  const refusal = (
    req: IdRequest,
    reply: FastifyReply,
    outcome: Exclude<Outcome, { ok: true }>,
    roles?: string[],
    email?: string,
  ) => {
    const t = tOf(req);
    if ('problems' in outcome)
      return renderDetail(
        req,
        reply,
        {
          errors: problemsToErrors(t, outcome.problems),
          ...(roles ? { roles } : {}),
          ...(email !== undefined ? { email } : {}),
        },
        400,
      );
    if (outcome.refused === 'notFound')
      return pages.message(req, reply, 404, t.errors.title404, t.errors.body404);
    const text =
      outcome.refused === 'lastAdmin'
        ? t.staff.lastAdmin
        : outcome.refused === 'notSelf'
          ? t.staff.notSelf
          : t.staff.staleUpdate;
    return renderDetail(req, reply, { flash: { kind: 'error', text } }, 409);
  };

  app.get<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/staff/:id',
    { config: ADMIN, schema: { params: ID_PARAMS, querystring: LIST_QUERY } },
    (req, reply) => renderDetail(req, reply),
  );

  app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/staff/:id/roles',
    {
      config: ADMIN,
      schema: { params: ID_PARAMS, body: formBodySchema(ROLE_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const form = readForm(req.body, ROLE_FIELDS);
      const outcome = await mod.staff.setRoles(
        actorOf(req.staff!),
        req.params.id,
        form.lists.roles!,
        versionOf(form.values.version),
      );
      if (outcome.ok) return reply.redirect(`/admin/staff/${req.params.id}?m=roles`, 303);
      return refusal(req, reply, outcome, form.lists.roles);
    },
  );

  app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/staff/:id/email',
    {
      config: ADMIN,
      schema: { params: ID_PARAMS, body: formBodySchema(EMAIL_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const form = readForm(req.body, EMAIL_FIELDS, req.validationError !== undefined);
      const email = form.values.email!;
      if (form.truncated)
        return refusal(req, reply, { ok: false, problems: { email: 'emailInvalid' } }, undefined, email);
      const outcome = await mod.staff.setEmail(
        actorOf(req.staff!),
        req.params.id,
        email,
        versionOf(form.values.version),
      );
      if (outcome.ok) return reply.redirect(`/admin/staff/${req.params.id}?m=email`, 303);
      return refusal(req, reply, outcome, undefined, email);
    },
  );

  app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/staff/:id/status',
    {
      config: ADMIN,
      schema: { params: ID_PARAMS, body: formBodySchema(STATUS_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const t = tOf(req);
      const form = readForm(req.body, STATUS_FIELDS);
      const status = form.values.status;
      if (status !== 'active' && status !== 'disabled') {
        return renderDetail(req, reply, { flash: { kind: 'error', text: t.forms.invalidChoice } }, 400);
      }
      const outcome = await mod.staff.setStatus(
        actorOf(req.staff!),
        req.params.id,
        status,
        versionOf(form.values.version),
      );
      if (outcome.ok) return reply.redirect(`/admin/staff/${req.params.id}?m=${status}`, 303);
      return refusal(req, reply, outcome);
    },
  );

  app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/staff/:id/link',
    { config: ADMIN, schema: { params: ID_PARAMS, body: formBodySchema({}) } },
    async (req, reply) => {
      const t = tOf(req);
      const outcome = await mod.staff.issueLink(actorOf(req.staff!), req.params.id);
      if (!outcome.ok) return refusal(req, reply, outcome);
      const row = await mod.repo.findById(req.params.id);
      const text = fill(outcome.purpose === 'setup' ? t.staff.created : t.staff.resetIssued, {
        name: row?.display_name ?? '',
        hours: LINK_HOURS,
      });
      const title = outcome.purpose === 'setup' ? t.staff.issueSetup : t.staff.issueReset;
      return pages.admin(
        req,
        reply,
        title,
        linkIssuedView(t, {
          title,
          text,
          link: linkUrl(outcome.token),
          backHref: `/admin/staff/${req.params.id}`,
        }),
      );
    },
  );
}

function versionOf(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : -1;
}

function messageFlash(t: ReturnType<typeof tOf>, m: string | undefined): Flash | undefined {
  if (m === 'roles') return { kind: 'ok', text: t.staff.rolesSaved };
  if (m === 'disabled') return { kind: 'ok', text: t.staff.disabled };
  if (m === 'active') return { kind: 'ok', text: t.staff.enabled };
  if (m === 'email') return { kind: 'ok', text: emailMessagesFor(t).emailSaved };
  return undefined;
}
