/**
 * The public web report form at /report: choose what happened, one page per questionnaire step,
 * how to be identified, review, send, receipt. Every page works without JavaScript (POST, 303,
 * GET: reload and the back button never send anything twice). What was typed lives only in the
 * sealed draft (drafts.ts); nothing a reporter wrote ever appears in a URL, a log or a cache.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { clientSecretKeys } from '../../platform/crypto/index.ts';
import { type FileSink, registerMultipart } from '../../platform/http/multipart.ts';
import { appendCookie, langOf, serializeCookie } from '../../platform/http/request.ts';
import { RateLimiter } from '../../platform/http/throttle.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import { type AttachmentOutcome, cleanFileName } from './attachments.ts';
import { contentKeyOf, DRAFT_COOKIE, DRAFT_TTL_MS, type Draft, DraftStore, draftToken } from './drafts.ts';
import type { IntakeReceipt } from './intake.service.ts';
import type { ReportsServices } from './module.ts';
import type { QuestionnaireDefinition } from './questionnaire.ts';
import { formatReceiptCode } from './receipt.ts';
import { registerWizardFinishRoutes } from './wizard.finish.ts';
import { wizardMessages } from './wizard.messages.ts';
import {
  field,
  fieldsOf,
  LOOSE_FORM,
  registerWizardStepRoutes,
  STEP_BODY_LIMIT,
  type Wizard,
} from './wizard.steps.ts';
import { closedPage, messagePage, receiptPage, startPage } from './wizard.views.ts';

const TOPIC_QUERY = {
  type: 'object',
  properties: { topic: { type: 'string', maxLength: 80 } },
} as const;
/** The most file questions a step can have (a step has at most 40 questions). */
const MAX_FILE_QUESTIONS = 40;

export function registerWizardRoutes(app: FastifyInstance, ctx: AppContext, s: ReportsServices): void {
  const drafts = new DraftStore(ctx.db, ctx.keys.reporter, ctx.now, async (ids) => {
    for (const id of ids) await s.attachments.remove(id).catch(() => {});
  });
  const limits = ctx.config.reports;
  // Drafts are rows: starting them is capped for the node, keyed by nothing about the sender.
  const starts = new RateLimiter(limits.rateBurst * 5, limits.ratePerSecond * 5, ctx.now);

  const send: Wizard['send'] = (req, reply, title, main, status = 200) =>
    ctx.pages.public(req, reply.header('cache-control', 'no-store'), title, main, status);

  const setCookie: Wizard['setCookie'] = (reply, token, maxAgeMs) =>
    appendCookie(
      reply,
      serializeCookie(DRAFT_COOKIE, token, {
        path: '/report',
        maxAgeSeconds: Math.max(0, Math.floor(maxAgeMs / 1000)),
        httpOnly: true,
        secure: ctx.config.secureCookies,
        sameSite: 'Strict',
      }),
    );

  /** The receipt of the report this browser sent within the last hour, if it is still remembered. */
  const receiptOf = async (token: string | undefined): Promise<IntakeReceipt | undefined> => {
    if (!token) return undefined;
    const keys = clientSecretKeys(ctx.keys.reporter, token);
    const row = await ctx.db
      .selectFrom('report_submissions')
      .select('expires_at')
      .where('id', '=', keys.id)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.expires_at <= ctx.now()) {
      await ctx.db.deleteFrom('report_submissions').where('id', '=', keys.id).execute();
      return undefined;
    }
    return s.intake.findSubmission(keys);
  };

  const definitionOf = async (draft: Draft): Promise<QuestionnaireDefinition | undefined> => {
    const q = (await s.directory.snapshot()).questionnaires.get(draft.state.questionnaireId);
    if (!q) return undefined;
    return q.version === draft.state.version
      ? q.definition
      : s.directory.definitionAt(q.id, draft.state.version);
  };

  const expired = (req: FastifyRequest, reply: FastifyReply) => {
    const m = wizardMessages(langOf(req));
    return send(
      req,
      reply,
      m.expiredTitle,
      messagePage(m.expiredTitle, m.expiredText, { href: '/report', label: m.startAgain }),
      410,
    );
  };

  const w: Wizard = {
    ctx,
    s,
    drafts,
    send,
    setCookie,
    pageUrl: (def, index) =>
      index < def.steps.length
        ? `/report/step/${index + 1}`
        : index === def.steps.length
          ? '/report/identity'
          : '/report/review',
    mayOpen(reply, d, index) {
      if (index <= d.draft.state.reached) return true;
      reply.redirect(w.pageUrl(d.def, d.draft.state.reached), 303);
      return false;
    },
    async withDraft(req, reply) {
      const token = draftToken(req);
      const found = await drafts.load(token);
      if ('draft' in found) {
        const def = await definitionOf(found.draft);
        if (def) return { draft: found.draft, def };
        await drafts.discard(found.draft);
      } else if (await receiptOf(token)) {
        // The draft became a report: reload, the back button or a second click land on its receipt.
        reply.header('cache-control', 'no-store').redirect('/report/receipt', 303);
        return undefined;
      }
      expired(req, reply);
      return undefined;
    },
  };

  /**
   * Where an uploaded file goes: sealed under the draft's content key as it streams in. Without a
   * live draft, or past the file limit, the bytes are read and dropped.
   */
  const pending = new WeakMap<FastifyRequest, Promise<Draft | undefined>>();
  const counted = new WeakMap<FastifyRequest, number>();
  const sinkFor = async (req: FastifyRequest, fieldName: string, declaredName: string): Promise<FileSink> => {
    let draft = pending.get(req);
    if (!draft) {
      draft = drafts.load(draftToken(req)).then((r) => ('draft' in r ? r.draft : undefined));
      pending.set(req, draft);
    }
    const d = await draft;
    if (!d || !/^upload-\d{1,2}$/.test(fieldName)) return refusingSink(declaredName, 'damaged');
    const n = (counted.get(req) ?? 0) + 1;
    counted.set(req, n);
    if (d.state.files.length + n > limits.maxFiles) return refusingSink(declaredName, 'too-many');
    return s.attachments.sink(contentKeyOf(d), declaredName);
  };

  app.register(async (scope) => {
    registerMultipart(scope, { csrf: ctx.csrf, sinkFor });
    scope.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });

    scope.get<{ Querystring: { topic?: string } }>(
      '/report',
      { config: { access: 'public' }, schema: { querystring: TOPIC_QUERY }, attachValidation: true },
      async (req, reply) => {
        const topic = req.validationError ? undefined : req.query.topic;
        return renderStart(req, reply, topic, undefined);
      },
    );

    const renderStart = async (
      req: FastifyRequest,
      reply: FastifyReply,
      topic: string | undefined,
      selected: string | undefined,
      error?: string,
      status = 200,
    ) => {
      const lang = langOf(req);
      const m = wizardMessages(lang);
      const snap = await s.directory.snapshot();
      if (snap.offered.length === 0) return send(req, reply, m.closedTitle, closedPage(lang), status);
      const token = draftToken(req);
      const [found, receipt] = await Promise.all([drafts.load(token), receiptOf(token)]);
      const main = startPage({
        lang,
        csrf: ctx.csrf.token(req, reply),
        offered: snap.offered.map((q) => ({
          id: q.id,
          title: q.definition.title[lang],
          intro: q.definition.intro?.[lang] ?? '',
        })),
        selected:
          selected ??
          (topic ? snap.byTopic.get(topic)?.id : undefined) ??
          (snap.offered.length === 1 ? snap.offered[0]?.id : undefined),
        error,
        inProgress: 'draft' in found,
        pendingReceipt: receipt !== undefined,
      });
      return send(req, reply, m.title, main, status);
    };

    scope.post(
      '/report/start',
      { config: { access: 'public' }, schema: { body: LOOSE_FORM }, attachValidation: true },
      async (req, reply) => {
        const lang = langOf(req);
        const m = wizardMessages(lang);
        const chosen = field(fieldsOf(req.body), 'questionnaire');
        const snap = await s.directory.snapshot();
        const q = snap.offered.find((x) => x.id === chosen);
        if (!q) return renderStart(req, reply, undefined, undefined, m.chooseRequired, 400);
        if (!starts.take()) return send(req, reply, m.busyTitle, messagePage(m.busyTitle, m.startBusy), 429);
        const old = await drafts.load(draftToken(req));
        if ('draft' in old) await drafts.discard(old.draft);
        const draft = await drafts.create({
          questionnaireId: q.id,
          version: q.version,
          answers: {},
          identity: { mode: 'anonymous', name: '', contact: '' },
          lang,
        });
        setCookie(reply, draft.token, DRAFT_TTL_MS);
        return reply.redirect('/report/step/1', 303);
      },
    );

    scope.get('/report/continue', { config: { access: 'public' } }, async (req, reply) => {
      const d = await w.withDraft(req, reply);
      if (!d) return reply;
      return reply.redirect(w.pageUrl(d.def, d.draft.state.reached), 303);
    });

    registerWizardFinishRoutes(scope, w);
    registerWizardStepRoutes(scope, w, {
      files: Object.fromEntries(
        Array.from({ length: MAX_FILE_QUESTIONS }, (_, k) => [`upload-${k}`, limits.maxFileBytes]),
      ),
      fieldBytes: 100_000,
      fields: 2_000,
      totalBytes: limits.maxFiles * limits.maxFileBytes + STEP_BODY_LIMIT,
      maxFilesPerField: Math.max(1, limits.maxFiles),
    });

    // ---- The receipt: shown for an hour, to this browser only ----

    scope.get('/report/receipt', { config: { access: 'public' } }, async (req, reply) => {
      const lang = langOf(req);
      const m = wizardMessages(lang);
      const receipt = await receiptOf(draftToken(req));
      if (!receipt?.receiptCode)
        return send(
          req,
          reply,
          m.noReceiptTitle,
          messagePage(m.noReceiptTitle, m.noReceiptText, { href: '/report/follow-up', label: m.followUp }),
          404,
        );
      const main = receiptPage({
        lang,
        csrf: ctx.csrf.token(req, reply),
        code: formatReceiptCode(receipt.receiptCode),
        reference: receipt.reference,
        registered: formatTime(receipt.registeredAt),
      });
      return send(req, reply, m.receiptTitle, main);
    });

    scope.get('/report/receipt.txt', { config: { access: 'public' } }, async (req, reply) => {
      const m = wizardMessages(langOf(req));
      const receipt = await receiptOf(draftToken(req));
      if (!receipt?.receiptCode)
        return send(req, reply, m.noReceiptTitle, messagePage(m.noReceiptTitle, m.noReceiptText), 404);
      const text = [
        m.txtTitle,
        '',
        `${m.codeLabel}: ${formatReceiptCode(receipt.receiptCode)}`,
        `${m.reference}: ${receipt.reference}`,
        `${m.registered}: ${formatTime(receipt.registeredAt)}`,
        '',
        m.txtKeep,
        m.onlyWayBack,
        fill(m.txtWhere, { url: `${ctx.config.publicUrl.replace(/\/$/, '')}/report/follow-up` }),
        '',
      ].join('\r\n');
      return reply
        .header('content-disposition', `attachment; filename="receipt-${receipt.reference}.txt"`)
        .type('text/plain; charset=utf-8')
        .send(text);
    });

    scope.post(
      '/report/receipt/forget',
      { config: { access: 'public' }, schema: { body: LOOSE_FORM }, attachValidation: true },
      async (req, reply) => {
        const token = draftToken(req);
        if (token) {
          const { id } = clientSecretKeys(ctx.keys.reporter, token);
          await ctx.db.deleteFrom('report_submissions').where('id', '=', id).execute();
          setCookie(reply, '', 0);
        }
        return reply.redirect('/report/saved', 303);
      },
    );

    scope.get('/report/saved', { config: { access: 'public' } }, async (req, reply) => {
      const m = wizardMessages(langOf(req));
      return send(
        req,
        reply,
        m.forgottenTitle,
        messagePage(m.forgottenTitle, m.forgottenText, { href: '/report/follow-up', label: m.followUp }),
      );
    });
  });
}

/** The registration time, unambiguous in both languages: 2026-11-22 09:00 UTC. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A sink that takes nothing: the file is refused for the given reason. */
function refusingSink(declaredName: string, problem: AttachmentOutcome['problem']): FileSink {
  return {
    write: async () => {},
    finish: async (): Promise<AttachmentOutcome> => ({ name: cleanFileName(declaredName), problem }),
    abort: async () => {},
  };
}
