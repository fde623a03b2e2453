/** /admin/audit: admins browse and filter the audit log, newest first, and can verify its chain. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { formBodySchema } from '../../platform/http/forms.ts';
import { langOf, tOf } from '../../platform/http/request.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import type { Flash } from '../../platform/views/layout.ts';
import { type AuditQuery, auditView } from './views.ts';

const PAGE_SIZE = 50;
const QUERY_SCHEMA = {
  type: 'object',
  properties: {
    action: { type: 'string', maxLength: 80 },
    actor: { type: 'string', maxLength: 64 },
    from: { type: 'string', maxLength: 20 },
    to: { type: 'string', maxLength: 20 },
    before: { type: 'string', maxLength: 20 },
  },
} as const;

/** A YYYY-MM-DD date as UTC midnight in ms; undefined when empty; null when malformed. */
export function parseDay(value: string | undefined): number | undefined | null {
  if (!value) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value ? null : ms;
}

export function registerAuditRoutes(app: FastifyInstance, ctx: AppContext): void {
  const render = async (
    req: FastifyRequest<{ Querystring: AuditQuery }>,
    reply: FastifyReply,
    flash?: Flash,
  ) => {
    const t = tOf(req);
    const q = req.query;
    const from = parseDay(q.from);
    const to = parseDay(q.to);
    const before = q.before && /^\d{1,15}$/.test(q.before) ? Number(q.before) : undefined;
    const errors: Record<string, string> = {};
    if (from === null) errors.from = t.audit.badDate;
    if (to === null) errors.to = t.audit.badDate;
    const entries = Object.keys(errors).length
      ? []
      : await ctx.audit.list({
          action: q.action || undefined,
          actorId: q.actor || undefined,
          from: from ?? undefined,
          to: to === undefined || to === null ? undefined : to + 86_400_000,
          before,
          limit: PAGE_SIZE + 1,
        });
    const staff = await ctx.db.selectFrom('staff').select(['id', 'username']).orderBy('username').execute();
    const view = auditView(t, langOf(req), {
      query: q,
      entries: entries.slice(0, PAGE_SIZE),
      hasMore: entries.length > PAGE_SIZE,
      actions: await ctx.audit.actions(),
      staff,
      errors,
      flash,
      csrf: ctx.csrf.token(req, reply),
    });
    return ctx.pages.admin(req, reply, t.audit.title, view, Object.keys(errors).length ? 400 : 200);
  };

  app.get<{ Querystring: AuditQuery }>(
    '/admin/audit',
    { config: { access: ['admin'] }, schema: { querystring: QUERY_SCHEMA } },
    (req, reply) => render(req, reply),
  );

  app.post<{ Querystring: AuditQuery }>(
    '/admin/audit/verify',
    { config: { access: ['admin'] }, schema: { body: formBodySchema({}), querystring: QUERY_SCHEMA } },
    async (req, reply) => {
      const t = tOf(req);
      const result = await ctx.audit.verify();
      await ctx.audit.record({
        actor: { id: req.staff!.id, label: req.staff!.username },
        action: 'audit.verified',
        details: result.ok ? { ok: true, count: result.count } : { ok: false, seq: result.seq },
      });
      const flash: Flash = result.ok
        ? { kind: 'ok', text: fill(t.audit.chainOk, { count: result.count }) }
        : {
            kind: 'error',
            text: fill(t.audit.chainBroken, { seq: result.seq, reason: t.audit.breaks[result.code] }),
          };
      return render(req, reply, flash);
    },
  );
}
