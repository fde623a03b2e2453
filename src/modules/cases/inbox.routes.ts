/**
 * /admin/cases (handlers and supervisors): the inbox, saved filters and bulk actions. Thin: read
 * the query or form, call the repository or the bulk service, render. The CSV export pages are
 * registered from here too (export.routes.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { allValues, formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf } from '../../platform/http/request.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import type { Flash } from '../../platform/views/layout.ts';
import { reportsOf } from '../reports/module.ts';
import { newId, sessionPrivateKey } from './access.ts';
import { registerExportRoutes } from './export.routes.ts';
import { assignableStaff, bulkAssign, bulkLabel, MAX_BULK } from './inbox.bulk.ts';
import { inboxMessages } from './inbox.messages.ts';
import {
  cleanQuery,
  firstOf,
  hasFilter,
  INBOX_QUERY_SCHEMA,
  type InboxFilter,
  inboxQueryString,
  normaliseLabel,
  type ParsedQuery,
  parseInboxQuery,
} from './inbox.query.ts';
import { InboxRepository, type Visibility } from './inbox.repository.ts';
import { inboxView } from './inbox.views.ts';

const CASE_WORK = { access: ['handler', 'supervisor'] } as const;
const SAVE_FIELDS = { name: 60, query: 2000 };
const BULK_FIELDS = { action: 20, assignee: 80, label: 160, query: 2000 };
const BULK_SCHEMA = (() => {
  const s = formBodySchema(BULK_FIELDS);
  return {
    ...s,
    properties: {
      ...s.properties,
      ids: {
        anyOf: [
          { type: 'string', maxLength: 80 },
          { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 80 } },
        ],
      },
    },
  };
})();
const ID_PARAMS = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}$' } },
  required: ['id'],
} as const;
const REF = /^R-[0-9A-Z]{4}-[0-9A-Z]{4}$/;
const MAX_SAVED = 50;

export const isSupervisor = (req: FastifyRequest) => req.staff!.roles.includes('supervisor');

/** The filter as the repository takes it: 'me' is the signed-in staff member. */
export function resolveFilter(f: InboxFilter, staffId: string): InboxFilter {
  return f.assignee === 'me' ? { ...f, assignee: staffId } : f;
}

/** Supervisors see every case's metadata; anyone else the cases wrapped for their active key. */
export async function visibilityOf(repo: InboxRepository, req: FastifyRequest): Promise<Visibility> {
  return isSupervisor(req) ? { all: true } : { all: false, keyId: await repo.activeKeyId(req.staff!.id) };
}

export function registerInboxRoutes(app: FastifyInstance, ctx: AppContext): void {
  const repo = new InboxRepository(ctx.db);
  const { pages, csrf } = ctx;

  const render = async (
    req: FastifyRequest,
    reply: FastifyReply,
    parsed: ParsedQuery,
    flashes: Flash[],
    status = 200,
  ) => {
    const lang = langOf(req);
    const m = inboxMessages(lang);
    const staff = req.staff!;
    const filter = resolveFilter(parsed.filter, staff.id);
    const now = ctx.now();
    const vis = await visibilityOf(repo, req);
    const [page, dir, workers, saved] = await Promise.all([
      repo.page(filter, vis, now, parsed.cursor),
      reportsOf(ctx).directory.snapshot(),
      repo.caseWorkers(),
      repo.savedFilters(staff.id),
    ]);
    const labels = await repo.labelsOf(page.rows.map((r) => r.id));
    const query = inboxQueryString(parsed.filter);
    const ignored = parsed.ignored.filter((f) => f !== 'after');
    if (ignored.length > 0)
      flashes.push({
        kind: 'info',
        text: fill(m.ignored, { fields: ignored.map((f) => m[f as keyof typeof m] ?? f).join(', ') }),
      });
    if (parsed.ignored.includes('after')) flashes.push({ kind: 'info', text: m.badCursor });
    const categoryNames = new Map<string, string>();
    for (const q of dir.questionnaires.values()) categoryNames.set(q.id, q.definition.title[lang] || q.id);
    const view = inboxView(m, {
      lang,
      csrf: csrf.token(req, reply),
      filter: parsed.filter,
      query,
      rows: page.rows,
      labels,
      nextHref: page.next ? `/admin/cases?${inboxQueryString(parsed.filter, page.next)}` : undefined,
      firstHref: parsed.cursor ? `/admin/cases${query ? `?${query}` : ''}` : undefined,
      channels: [...dir.channels.values()].map((c) => ({ value: c.id, label: c.name[lang] })),
      categories: [...categoryNames].map(([value, label]) => ({ value, label })),
      categoryNames,
      workers,
      saved,
      supervisor: isSupervisor(req),
      now,
      flashes,
      filtered: hasFilter(parsed.filter),
    });
    return pages.admin(req, reply, m.title, view, status);
  };

  app.get(
    '/admin/cases',
    { config: CASE_WORK, schema: { querystring: INBOX_QUERY_SCHEMA }, attachValidation: true },
    async (req, reply) => {
      const m = inboxMessages(langOf(req));
      const q = (req.query ?? {}) as Record<string, unknown>;
      const flashes: Flash[] = [];
      const code = firstOf(q.m);
      const n = Number(firstOf(q.n) ?? '0');
      const count = Number.isSafeInteger(n) && n >= 0 ? n : 0;
      if (code === 'saved') flashes.push({ kind: 'ok', text: m.savedOk });
      else if (code === 'deleted') flashes.push({ kind: 'ok', text: m.deletedOk });
      else if (code === 'bulk') {
        flashes.push({ kind: 'ok', text: fill(m.bulkDone, { count }) });
        const refs = (firstOf(q.skip) ?? '')
          .split(',')
          .filter((r) => REF.test(r))
          .slice(0, 200);
        if (refs.length > 0)
          flashes.push({ kind: 'error', text: fill(m.bulkSkipped, { refs: refs.join(', ') }) });
      }
      return render(req, reply, parseInboxQuery(q), flashes);
    },
  );

  app.post(
    '/admin/cases/filters',
    { config: CASE_WORK, schema: { body: formBodySchema(SAVE_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const m = inboxMessages(langOf(req));
      const form = readForm(req.body, SAVE_FIELDS, req.validationError !== undefined);
      const cleaned = cleanQuery(form.values.query!);
      const name = form.values.name!.trim().replace(/\s+/g, ' ');
      const staffId = req.staff!.id;
      if (form.truncated || name.length < 1 || name.length > 60)
        return render(req, reply, cleaned, [{ kind: 'error', text: m.nameInvalid }], 400);
      if ((await repo.countSaved(staffId)) >= MAX_SAVED)
        return render(req, reply, cleaned, [{ kind: 'error', text: m.tooManySaved }], 409);
      await repo.saveFilter({
        id: newId(),
        staff_id: staffId,
        name,
        query: cleaned.query,
        created_at: ctx.now(),
      });
      return reply.redirect(`/admin/cases?${cleaned.query ? `${cleaned.query}&` : ''}m=saved`, 303);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/admin/cases/filters/:id/delete',
    { config: CASE_WORK, schema: { params: ID_PARAMS } },
    async (req, reply) => {
      if (!(await repo.deleteFilter(req.staff!.id, req.params.id)))
        return sendErrorPage(pages, req, reply, 404);
      return reply.redirect('/admin/cases?m=deleted', 303);
    },
  );

  app.post(
    '/admin/cases/bulk',
    { config: CASE_WORK, schema: { body: BULK_SCHEMA }, attachValidation: true },
    async (req, reply) => {
      const m = inboxMessages(langOf(req));
      const form = readForm(req.body, BULK_FIELDS, req.validationError !== undefined);
      const cleaned = cleanQuery(form.values.query!);
      const refuse = (text: string, status = 400) =>
        render(req, reply, cleaned, [{ kind: 'error', text }], status);
      const raw =
        req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).ids : undefined;
      const ids = [...new Set(allValues(raw).map((s) => s.trim()))].filter((s) =>
        /^[A-Za-z0-9_-]{1,80}$/.test(s),
      );
      if (allValues(raw).length > MAX_BULK) return refuse(m.tooMany);
      if (form.truncated) return refuse(m.invalidForm);
      if (ids.length === 0) return refuse(m.noneSelected);
      const staff = req.staff!;
      const actor = { id: staff.id, label: staff.username };
      const action = form.values.action;
      let result: Awaited<ReturnType<typeof bulkLabel>>;
      if (action === 'assign') {
        if (!isSupervisor(req)) return refuse(m.supervisorsOnly, 403);
        const assignee = await assignableStaff(ctx, form.values.assignee!.trim());
        if (!assignee) return refuse(m.assigneeInvalid);
        result = await bulkAssign(ctx, actor, sessionPrivateKey(req.session), ids, assignee);
      } else if (action === 'add-label' || action === 'remove-label') {
        const label = normaliseLabel(form.values.label!);
        if (!label) return refuse(m.labelInvalid);
        result = await bulkLabel(ctx, actor, ids, label, action === 'add-label');
      } else return refuse(m.unknownAction);
      const params = new URLSearchParams(cleaned.query);
      params.set('m', 'bulk');
      params.set('n', String(result.changed));
      if (result.skipped.length > 0) params.set('skip', result.skipped.slice(0, 200).join(','));
      return reply.redirect(`/admin/cases?${params}`, 303);
    },
  );

  registerExportRoutes(app, ctx, repo);
}
