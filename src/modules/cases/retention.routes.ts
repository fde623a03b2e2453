/**
 * Retention (retention.service.ts has the rules):
 *   GET/POST /admin/retention       days kept per outcome (admins)
 *   GET/POST /admin/cases/:id/hold  the legal hold of a case (supervisors who can read the case:
 *                                   the reason is sealed under its content key, which they need)
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import type { CaseOutcome } from '../../platform/db/schema.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf, tOf } from '../../platform/http/request.ts';
import { checkText, type FieldErrors } from '../../platform/views/forms.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import type { Flash } from '../../platform/views/layout.ts';
import { actorOf } from '../accounts/staff.routes.ts';
import type { CaseKeys } from './access.ts';
import { CASE_PARAMS, type CaseRequest, caseKeysOr404, MESSAGE_QUERY } from './guard.ts';
import {
  HOLD_REASON_MAX,
  HOLD_REASON_MIN,
  RETENTION_MAX_DAYS,
  RETENTION_MIN_DAYS,
  retentionRules,
  saveRetentionRules,
  setLegalHold,
} from './retention.service.ts';
import { holdPageView, type RuleRow, retentionMessages, retentionPageView } from './retention.views.ts';
import { OUTCOMES } from './workflow.ts';

const ADMIN = { access: ['admin'] } as const;
const SUPERVISOR = { access: ['supervisor'] } as const;
const RULE_FIELDS: Record<string, number> = Object.fromEntries(
  OUTCOMES.flatMap((o) => [
    [`days.${o}`, 20],
    [`version.${o}`, 20],
  ]),
);
const HOLD_FIELDS = { reason: HOLD_REASON_MAX * 2, on: 5, version: 20 };

export function registerRetentionRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: { m?: string } }>(
    '/admin/retention',
    { config: ADMIN, schema: { querystring: MESSAGE_QUERY } },
    async (req, reply) => {
      const lang = langOf(req);
      const m = retentionMessages(lang);
      const rows: RuleRow[] = (await retentionRules(ctx)).map((r) => ({
        outcome: r.outcome,
        days: String(r.days),
        version: String(r.version),
        updatedAt: r.updatedAt,
      }));
      const flash: Flash | undefined =
        req.query.m === 'saved'
          ? { kind: 'ok', text: m.saved }
          : req.query.m === 'unchanged'
            ? { kind: 'info', text: m.unchanged }
            : undefined;
      const view = retentionPageView(lang, ctx.csrf.token(req, reply), rows, { flash, errors: {} });
      return ctx.pages.admin(req, reply, m.title, view);
    },
  );

  app.post(
    '/admin/retention',
    { config: ADMIN, schema: { body: formBodySchema(RULE_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const lang = langOf(req);
      const m = retentionMessages(lang);
      const form = readForm(req.body, RULE_FIELDS, req.validationError !== undefined);
      const current = new Map((await retentionRules(ctx)).map((r) => [r.outcome, r]));
      const errors: FieldErrors = {};
      const rows: RuleRow[] = [];
      const changes: { outcome: CaseOutcome; days: number; version: number }[] = [];
      for (const outcome of OUTCOMES) {
        const rule = current.get(outcome);
        if (!rule) continue;
        const typed = (form.values[`days.${outcome}`] ?? '').trim();
        const versionText = form.values[`version.${outcome}`] ?? '';
        rows.push({ outcome, days: typed, version: versionText, updatedAt: rule.updatedAt });
        const days = /^\d{1,6}$/.test(typed) ? Number(typed) : Number.NaN;
        if (!(days >= RETENTION_MIN_DAYS && days <= RETENTION_MAX_DAYS)) {
          errors[`days-${outcome}`] = fill(m.badDays, { min: RETENTION_MIN_DAYS, max: RETENTION_MAX_DAYS });
          continue;
        }
        const version = /^\d{1,12}$/.test(versionText) ? Number(versionText) : -1;
        changes.push({ outcome, days, version });
      }
      if (form.truncated) errors._form = tOf(req).forms.requestTooLong;
      const render = (status: number, flash?: Flash) =>
        ctx.pages.admin(
          req,
          reply,
          m.title,
          retentionPageView(lang, ctx.csrf.token(req, reply), rows, { flash, errors }),
          status,
        );
      if (Object.keys(errors).length > 0) return render(400);
      const outcome = await saveRetentionRules(ctx, actorOf(req.staff!), changes);
      if (!outcome.ok) {
        // Keep what was typed, with the versions now current, so saving again applies it.
        const fresh = new Map((await retentionRules(ctx)).map((r) => [r.outcome, r]));
        for (const r of rows) r.version = String(fresh.get(r.outcome)?.version ?? r.version);
        return render(409, { kind: 'error', text: m.stale });
      }
      return reply.redirect(`/admin/retention?m=${outcome.changed > 0 ? 'saved' : 'unchanged'}`, 303);
    },
  );

  async function renderHold(
    req: CaseRequest,
    reply: FastifyReply,
    o: { reason?: string; errors?: FieldErrors; flash?: Flash },
    status = 200,
  ) {
    const lang = langOf(req);
    const row = await ctx.db
      .selectFrom('reports')
      .select(['reference', 'version', 'legal_hold', 'purge_after'])
      .where('id', '=', req.params.id)
      .executeTakeFirst();
    if (!row) return sendErrorPage(ctx.pages, req, reply, 404);
    const view = holdPageView(
      lang,
      ctx.csrf.token(req, reply),
      {
        reportId: req.params.id,
        reference: row.reference,
        version: row.version,
        legalHold: Number(row.legal_hold) === 1,
        purgeAfter: row.purge_after,
      },
      { reason: o.reason ?? '', errors: o.errors ?? {}, flash: o.flash },
    );
    return ctx.pages.admin(req, reply, `${retentionMessages(lang).holdTitle} ${row.reference}`, view, status);
  }

  app.get<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/cases/:id/hold',
    { config: SUPERVISOR, schema: { params: CASE_PARAMS, querystring: MESSAGE_QUERY } },
    async (req, reply) => {
      const keys: CaseKeys | undefined = await caseKeysOr404(ctx, req, reply);
      if (!keys) return reply;
      const m = retentionMessages(langOf(req));
      const flash: Flash | undefined =
        req.query.m === 'set'
          ? { kind: 'ok', text: m.holdSet }
          : req.query.m === 'cleared'
            ? { kind: 'ok', text: m.holdCleared }
            : undefined;
      return renderHold(req, reply, { flash });
    },
  );

  app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/cases/:id/hold',
    {
      config: SUPERVISOR,
      schema: { params: CASE_PARAMS, body: formBodySchema(HOLD_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const keys = await caseKeysOr404(ctx, req, reply);
      if (!keys) return reply;
      const t = tOf(req);
      const m = retentionMessages(langOf(req));
      const form = readForm(req.body, HOLD_FIELDS, req.validationError !== undefined);
      const reason = (form.values.reason ?? '').replace(/\r\n?/g, '\n').trim();
      const on = form.values.on === '1' ? true : form.values.on === '0' ? false : undefined;
      const version = /^\d{1,12}$/.test(form.values.version ?? '') ? Number(form.values.version) : undefined;
      const errors: FieldErrors = {};
      const problem = checkText(t, reason, { required: true, min: HOLD_REASON_MIN, max: HOLD_REASON_MAX });
      if (problem) errors.reason = problem;
      if (on === undefined || version === undefined) errors._form = t.forms.invalid;
      if (form.truncated) errors._form = t.forms.requestTooLong;
      if (Object.keys(errors).length > 0 || on === undefined || version === undefined)
        return renderHold(req, reply, { reason, errors }, 400);
      const outcome = await setLegalHold(ctx, actorOf(req.staff!), req.params.id, keys.contentKey, {
        on,
        reason,
        version,
      });
      if (!outcome.ok) {
        if (outcome.problem === 'not-found') return sendErrorPage(ctx.pages, req, reply, 404);
        const text = outcome.problem === 'stale' ? m.holdStale : m.holdUnchanged;
        return renderHold(req, reply, { reason, flash: { kind: 'error', text } }, 409);
      }
      return reply.redirect(`/admin/cases/${req.params.id}/hold?m=${on ? 'set' : 'cleared'}`, 303);
    },
  );
}
