/**
 * /admin/cases/:id — the case page, its file downloads and its forms (handlers and supervisors).
 * A handler the case is not shared with gets 404: the page does not tell them it exists. A
 * supervisor gets the metadata with a "not shared with you" note (to assign and share it). Every
 * POST carries the case's version; a refusal shows the page again with the reason and the text
 * kept. Thin: read the form, check it, call CaseActions, redirect or render.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import type { CaseOutcome, ReportStatus } from '../../platform/db/schema.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf } from '../../platform/http/request.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import { reportsOf } from '../reports/module.ts';
import type { CaseKeys } from './access.ts';
import { type ActionResult, CaseActions, cleanLabel, TEXT_MAX, type Who } from './case.actions.ts';
import { CaseConclusions } from './case.conclusion.ts';
import type { FormState } from './case.forms.ts';
import { caseMessages } from './case.messages.ts';
import { CaseRepository } from './case.repository.ts';
import { CaseReader } from './case.service.ts';
import { casePage } from './case.views.ts';
import { caseLabels } from './labels.ts';
import { OUTCOMES, PRIORITIES, type Priority, STATUSES, TRANSITIONS } from './workflow.ts';

const ACCESS = { access: ['handler', 'supervisor'] } as const;
const ID = { type: 'string', minLength: 1, maxLength: 100 } as const;
const CASE_PARAMS = { type: 'object', required: ['id'], properties: { id: ID } } as const;
const FILE_PARAMS = {
  type: 'object',
  required: ['id', 'fileId'],
  properties: { id: ID, fileId: ID },
} as const;
const APPROVAL_PARAMS = {
  type: 'object',
  required: ['id', 'approvalId'],
  properties: { id: ID, approvalId: ID },
} as const;
const FLASH_QUERY = { type: 'object', properties: { m: { type: 'string', maxLength: 40 } } } as const;

type Params = { id: string; approvalId?: string };
type Values = Record<string, string>;
/** A form's check: field problems (message keys), or the call to make. */
type Check =
  | { errors: Record<string, string> }
  | { run: (who: Who, id: string, v: number) => Promise<ActionResult> };

/** Characters that may appear unencoded in an RFC 5987 value; everything else is %-encoded. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 100) || 'file';
  const encoded = encodeURIComponent(name).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export function registerCaseRoutes(app: FastifyInstance, ctx: AppContext): void {
  const s = reportsOf(ctx);
  const repo = new CaseRepository(ctx.db);
  const reader = new CaseReader(ctx, s, repo);
  const actions = new CaseActions(ctx, s, repo);
  const conclusions = new CaseConclusions(ctx, s, repo);

  /** The case page, with a flash or a refused form; 404 for a handler it is not shared with. */
  const render = async (
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    keys: CaseKeys | undefined,
    o: { status?: number; flash?: string; form?: FormState } = {},
  ) => {
    const staff = req.staff!;
    const lang = langOf(req);
    const m = caseMessages(lang);
    if (!keys && !staff.roles.includes('supervisor')) return sendErrorPage(ctx.pages, req, reply, 404);
    const read = await reader.read(staff, keys, id, lang);
    if (!read) return sendErrorPage(ctx.pages, req, reply, 404);
    const main = casePage({
      lang,
      m,
      csrf: ctx.csrf.token(req, reply),
      now: ctx.now(),
      roles: staff.roles,
      staffId: staff.id,
      read,
      flash: o.flash ? { kind: 'ok', text: o.flash } : undefined,
      form: o.form,
    });
    return ctx.pages.admin(req, reply, fill(m.title, { reference: read.meta.reference }), main, o.status);
  };

  app.get<{ Params: Params; Querystring: { m?: string } }>(
    '/admin/cases/:id',
    { config: ACCESS, schema: { params: CASE_PARAMS, querystring: FLASH_QUERY } },
    async (req, reply) => {
      const keys = await reader.keysFor(req.staff!, req.session, req.params.id);
      const m = caseMessages(langOf(req));
      const flash = req.query.m ? m.flashes[req.query.m] : undefined;
      return render(req, reply, req.params.id, keys, flash ? { flash } : {});
    },
  );

  app.get<{ Params: { id: string; fileId: string } }>(
    '/admin/cases/:id/files/:fileId',
    { config: ACCESS, schema: { params: FILE_PARAMS } },
    async (req, reply) => {
      const keys = await reader.keysFor(req.staff!, req.session, req.params.id);
      if (!keys) return sendErrorPage(ctx.pages, req, reply, 404);
      const file = await reader.file(req.staff!, keys, req.params.id, req.params.fileId);
      if (!file) return sendErrorPage(ctx.pages, req, reply, 404);
      return reply
        .header('content-disposition', contentDisposition(file.name))
        .header('cache-control', 'no-store')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .type('application/octet-stream')
        .send(Readable.from(file.body));
    },
  );

  /** Registers one form: read, check the version and the keys, check the fields, act, answer. */
  const post = (
    path: string,
    params: typeof CASE_PARAMS | typeof APPROVAL_PARAMS,
    fields: Record<string, number>,
    check: (v: Values, req: FastifyRequest<{ Params: Params }>) => Check,
  ) => {
    const all = { version: 20, ...fields };
    const formName = path.replace(/^\/admin\/cases\/:id\//, '').replace(':approvalId', '');
    app.post<{ Params: Params }>(
      path,
      { config: ACCESS, schema: { params, body: formBodySchema(all) }, attachValidation: true },
      async (req, reply) => {
        const id = req.params.id;
        const m = caseMessages(langOf(req));
        const input = readForm(req.body, all, req.validationError !== undefined);
        const values = input.values;
        const state = (problem: string | undefined, errors: Record<string, string> = {}): FormState => ({
          form: req.params.approvalId ? `approvals/${req.params.approvalId}` : formName,
          values,
          errors,
          ...(problem ? { problem } : {}),
        });
        const keys = await reader.keysFor(req.staff!, req.session, id);
        if (!keys) {
          if (!req.staff!.roles.includes('supervisor')) return sendErrorPage(ctx.pages, req, reply, 404);
          return render(req, reply, id, undefined, { status: 403, form: state(m.problems['not-shared']) });
        }
        if (input.truncated)
          return render(req, reply, id, keys, { status: 400, form: state(m.problems['too-long']) });
        if (!/^\d{1,15}$/.test(values.version ?? ''))
          return render(req, reply, id, keys, { status: 409, form: state(m.problems.stale) });
        const checked = check(values, req);
        if ('errors' in checked) {
          const errors = Object.fromEntries(
            Object.entries(checked.errors).map(([k, v]) => [
              k,
              m.problems[v as keyof typeof m.problems] ?? v,
            ]),
          );
          const first = Object.values(errors)[0];
          return render(req, reply, id, keys, { status: 400, form: state(first, errors) });
        }
        const result = await checked.run({ staff: req.staff!, keys }, id, Number(values.version));
        if (result.ok) return reply.redirect(`/admin/cases/${id}?m=${result.flash}`, 303);
        if (result.problem === 'gone') return sendErrorPage(ctx.pages, req, reply, 404);
        let text: string = m.problems[result.problem];
        if (result.problem === 'bad-move' && result.move && result.from) {
          const l = caseLabels(langOf(req)).status;
          text = fill(m.moveReasons[result.move], {
            from: l[result.from],
            to: TRANSITIONS[result.from].map((st) => l[st]).join(langOf(req) === 'en' ? ', ' : '、'),
          });
        }
        return render(req, reply, id, keys, { status: result.status, form: state(text) });
      },
    );
  };

  const text = (v: string, max = TEXT_MAX) =>
    v.trim() === '' ? 'text-required' : v.length > max ? 'text-too-long' : undefined;

  post('/admin/cases/:id/notes', CASE_PARAMS, { note: TEXT_MAX }, (v) => {
    const e = text(v.note ?? '');
    if (e) return { errors: { note: e } };
    return { run: (who, id, version) => actions.addNote(who, id, version, v.note!) };
  });

  post('/admin/cases/:id/messages', CASE_PARAMS, { message: TEXT_MAX, kind: 20 }, (v) => {
    const errors: Record<string, string> = {};
    const e = text(v.message ?? '');
    if (e) errors.message = e;
    const kind = v.kind === '' ? 'message' : v.kind;
    if (kind !== 'message' && kind !== 'question') errors.kind = 'bad-kind';
    if (Object.keys(errors).length > 0) return { errors };
    return {
      run: (who, id, version) =>
        actions.writeReporter(who, id, version, v.message!, kind as 'message' | 'question'),
    };
  });

  post('/admin/cases/:id/priority', CASE_PARAMS, { priority: 5 }, (v) => {
    const p = Number(v.priority);
    if (!/^\d$/.test(v.priority ?? '') || !PRIORITIES.includes(p as Priority))
      return { errors: { priority: 'bad-priority' } };
    return { run: (who, id, version) => actions.setPriority(who, id, version, p as Priority) };
  });

  post('/admin/cases/:id/labels', CASE_PARAMS, { label: 200 }, (v) => {
    const label = cleanLabel(v.label ?? '');
    if (label === '') return { errors: { label: 'label-required' } };
    if ([...label].length > 40) return { errors: { label: 'label-too-long' } };
    return { run: (who, id, version) => actions.addLabel(who, id, version, label) };
  });
  post('/admin/cases/:id/labels/remove', CASE_PARAMS, { label: 200 }, (v) => {
    if ((v.label ?? '') === '') return { errors: { label: 'no-such-label' } };
    return { run: (who, id, version) => actions.removeLabel(who, id, version, v.label!) };
  });

  post('/admin/cases/:id/links', CASE_PARAMS, { reference: 100 }, (v) => {
    const reference = (v.reference ?? '').trim().toUpperCase();
    if (reference === '') return { errors: { reference: 'reference-required' } };
    return { run: (who, id, version) => actions.link(who, id, version, reference) };
  });
  post('/admin/cases/:id/links/remove', CASE_PARAMS, { linkedId: 100 }, (v) => {
    if ((v.linkedId ?? '') === '') return { errors: { linkedId: 'not-linked' } };
    return { run: (who, id, version) => actions.unlink(who, id, version, v.linkedId!) };
  });

  post('/admin/cases/:id/assign', CASE_PARAMS, { assignee: 100 }, (v) => ({
    run: (who, id, version) => actions.assign(who, id, version, v.assignee ?? ''),
  }));
  post('/admin/cases/:id/share', CASE_PARAMS, { staffId: 100 }, (v) => {
    if ((v.staffId ?? '') === '') return { errors: { staffId: 'no-such-staff' } };
    return { run: (who, id, version) => actions.share(who, id, version, v.staffId!) };
  });

  post('/admin/cases/:id/stage', CASE_PARAMS, { to: 20, sendAck: 5, ackShown: 5 }, (v, req) => {
    const to = v.to as ReportStatus;
    if (!STATUSES.includes(to)) return { errors: { to: 'bad-stage' } };
    // The box is ticked by default; a form that showed it and came back without it means "no".
    const send = v.sendAck === '1';
    const m = caseMessages(langOf(req));
    return { run: (who, id, version) => actions.move(who, id, version, to, { send, text: m.ackText }) };
  });

  post('/admin/cases/:id/conclude', CASE_PARAMS, { outcome: 40, reason: TEXT_MAX }, (v) => {
    const errors: Record<string, string> = {};
    const outcome = v.outcome as CaseOutcome;
    if (!OUTCOMES.includes(outcome)) errors.outcome = 'bad-outcome';
    if ((v.reason ?? '').trim() === '') errors.reason = 'reason-required';
    if (Object.keys(errors).length > 0) return { errors };
    return { run: (who, id, version) => conclusions.conclude(who, id, version, outcome, v.reason!) };
  });

  post('/admin/cases/:id/approvals/:approvalId', APPROVAL_PARAMS, { decision: 10 }, (v, req) => {
    if (v.decision !== 'approve' && v.decision !== 'refuse') return { errors: { decision: 'bad-decision' } };
    const approvalId = req.params.approvalId!;
    return {
      run: (who, id, version) => conclusions.decide(who, id, version, approvalId, v.decision === 'approve'),
    };
  });
}
