/**
 * The questionnaire's pages of a report in progress, one per step, with its files; and what every
 * page of the form shares. Each POST saves what was typed in the sealed draft first, whatever else
 * happens, then redirects (303) or shows the page again with what needs fixing (400). A refused
 * file never loses the answers typed beside it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { firstValue } from '../../platform/http/forms.ts';
import { type MultipartLimits, multipartOf } from '../../platform/http/multipart.ts';
import { langOf } from '../../platform/http/request.ts';
import type { SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang } from '../../platform/views/i18n/index.ts';
import { type AttachmentOutcome, outcomesOf } from './attachments.ts';
import type { Draft, DraftFile, DraftState, DraftStore } from './drafts.ts';
import type { ReportsServices } from './module.ts';
import {
  type AnswerProblem,
  type Answers,
  maxLengthOf,
  type Question,
  type QuestionnaireDefinition,
  readStep,
  todayFor,
} from './questionnaire.ts';
import { formatSize, wizardMessages } from './wizard.messages.ts';
import { anchorOf, stepPage, type WizardError } from './wizard.views.ts';

const STEP_PARAMS = {
  type: 'object',
  properties: { n: { type: 'integer', minimum: 1, maximum: 12 } },
  required: ['n'],
} as const;

/** Form bodies whose field names depend on the questionnaire: any string or list of strings. */
export const LOOSE_FORM = { type: 'object' } as const;
/** Question steps may carry long texts (urlencoded Chinese text takes 9 bytes a character). */
export const STEP_BODY_LIMIT = 2 * 1024 * 1024;

/** What the pages of the form share (built in wizard.routes.ts). */
export interface Wizard {
  ctx: AppContext;
  s: ReportsServices;
  drafts: DraftStore;
  /** A page that is never stored by a browser or a proxy. */
  send(
    req: FastifyRequest,
    reply: FastifyReply,
    title: string,
    main: SafeHtml,
    status?: number,
  ): FastifyReply;
  /**
   * The reporter's live draft and its questionnaire; when there is none, the answer has been sent
   * (the receipt, when the draft was just submitted; otherwise the friendly "start again" page).
   */
  withDraft(
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ draft: Draft; def: QuestionnaireDefinition } | undefined>;
  /** The address of page `index`: steps, then identity, then review. */
  pageUrl(def: QuestionnaireDefinition, index: number): string;
  setCookie(reply: FastifyReply, token: string, maxAgeMs: number): void;
  /** Whether the reporter may open page `index` yet (no skipping ahead); otherwise sends them on. */
  mayOpen(reply: FastifyReply, d: { draft: Draft; def: QuestionnaireDefinition }, index: number): boolean;
}

/** Plain text fields of a form body (urlencoded, multipart or JSON), whatever arrived. */
export function fieldsOf(body: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (!body || typeof body !== 'object' || Array.isArray(body)) return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string').slice(0, 100);
  }
  return out;
}

export function field(fields: Record<string, string | string[]>, name: string): string {
  return firstValue(fields[name]);
}

export type Errors = Record<string, AnswerProblem | 'unknown-question' | 'not-an-option'>;

/** Shows one questionnaire step: the answers given (or just typed), and what needs fixing. */
export function stepRenderer(w: Wizard) {
  const { ctx } = w;
  const limits = ctx.config.reports;
  return (
    req: FastifyRequest,
    reply: FastifyReply,
    def: QuestionnaireDefinition,
    index: number,
    state: DraftState,
    o: { answers?: Answers; problems?: Errors; fileProblems?: AttachmentOutcome[]; notice?: string } = {},
    status = 200,
  ) => {
    const lang = langOf(req);
    const m = wizardMessages(lang);
    const step = def.steps[index]!;
    const errors: WizardError[] = [];
    const fieldErrors: Record<string, string> = {};
    if (o.notice) errors.push({ anchor: '', label: '', message: o.notice });
    step.questions.forEach((q, k) => {
      const problem = o.problems?.[q.id];
      if (!problem) return;
      const anchor = anchorOf(q, k);
      const message = problemText(lang, problem, q);
      fieldErrors[anchor] = message;
      errors.push({ anchor, label: q.label[lang], message });
    });
    const fileQuestion = step.questions.findIndex((q) => q.type === 'file');
    for (const p of o.fileProblems ?? []) {
      if (!p.problem) continue;
      const anchor = `f-upload-${Math.max(0, fileQuestion)}`;
      const message = fill(m.fileProblems[p.problem] ?? m.fileProblems.damaged!, {
        name: p.name,
        size: formatSize(limits.maxFileBytes),
        count: limits.maxFiles,
      });
      fieldErrors[anchor] = fieldErrors[anchor] ? `${fieldErrors[anchor]} ${message}` : message;
      errors.push({ anchor, label: '', message });
    }
    const main = stepPage({
      lang,
      csrf: ctx.csrf.token(req, reply),
      def,
      index,
      answers: o.answers ?? state.answers,
      errors,
      fieldErrors,
      files: state.files,
      limits,
      today: todayFor(ctx.now()),
    });
    return w.send(req, reply, step.title[lang], main, status);
  };
}

export function registerWizardStepRoutes(scope: FastifyInstance, w: Wizard, uploads: MultipartLimits): void {
  const { ctx, s, drafts } = w;
  const limits = ctx.config.reports;

  const renderStep = stepRenderer(w);

  // ---- Questionnaire steps ----

  scope.get<{ Params: { n: number } }>(
    '/report/step/:n',
    { config: { access: 'public' }, schema: { params: STEP_PARAMS }, attachValidation: true },
    async (req, reply) => {
      const d = await w.withDraft(req, reply);
      if (!d) return reply;
      const index = req.validationError ? d.def.steps.length : req.params.n - 1;
      if (index >= d.def.steps.length) return reply.redirect(w.pageUrl(d.def, d.draft.state.reached), 303);
      if (!w.mayOpen(reply, d, index)) return reply;
      return renderStep(req, reply, d.def, index, d.draft.state);
    },
  );

  scope.post<{ Params: { n: number } }>(
    '/report/step/:n',
    {
      config: { access: 'public', multipart: uploads },
      schema: { params: STEP_PARAMS, body: LOOSE_FORM },
      attachValidation: true,
      bodyLimit: STEP_BODY_LIMIT,
    },
    async (req, reply) => {
      const form = multipartOf(req);
      const outcomes = outcomesOf(form?.uploads ?? []);
      const stored = outcomes.flatMap((o) => (o.stored ? [o.stored] : []));
      const d = await w.withDraft(req, reply);
      if (!d) {
        for (const f of stored) await s.attachments.remove(f.id);
        return reply;
      }
      const index = Number.isInteger(req.params.n) ? req.params.n - 1 : -1;
      if (index < 0 || index >= d.def.steps.length || index > d.draft.state.reached) {
        for (const f of stored) await s.attachments.remove(f.id);
        return reply.redirect(w.pageUrl(d.def, d.draft.state.reached), 303);
      }
      const fields = fieldsOf(req.body);
      const action = field(fields, 'action') || 'next';
      const read = readStep(d.def, index, fields, d.draft.state.answers, ctx.now());
      const step = d.def.steps[index]!;
      const fileQuestions = step.questions.filter((q) => q.type === 'file');
      const problems = outcomes.filter((o) => o.problem);
      const removing = action.startsWith('remove:') ? action.slice('remove:'.length) : undefined;
      const advance = action === 'next' && Object.keys(read.errors).length === 0 && problems.length === 0;
      // What was typed is saved whatever happens next: a refused file never costs the answers.
      let refused: string[] = [];
      const saved = await drafts.update(d.draft, (st) => {
        const room = Math.max(0, limits.maxFiles - st.files.length);
        const kept = fileQuestions.length > 0 ? stored.slice(0, room) : [];
        refused = stored.slice(kept.length).map((f) => f.id);
        const added: DraftFile[] = kept.map((ref) => ({
          question: fileQuestionOf(form?.uploads ?? [], ref.id, step.questions),
          ref,
        }));
        return {
          ...st,
          lang: langOf(req),
          answers: read.answers,
          files: [...st.files.filter((f) => f.ref.id !== removing), ...added],
          reached: advance ? Math.max(st.reached, index + 1) : st.reached,
        };
      });
      if (!saved) {
        for (const f of stored) await s.attachments.remove(f.id);
        return w.withDraft(req, reply).then(() => reply);
      }
      for (const id of refused) await s.attachments.remove(id);
      if (removing && d.draft.state.files.some((f) => f.ref.id === removing))
        await s.attachments.remove(removing);
      const m = wizardMessages(langOf(req));
      const fileProblems: AttachmentOutcome[] = [
        ...problems,
        ...refused.map((id) => ({
          name: stored.find((f) => f.id === id)?.meta.name ?? '',
          problem: 'too-many' as const,
        })),
      ];
      let notice: string | undefined;
      if (form?.problem) notice = m.uploadIncomplete;
      else if (form?.truncated || req.validationError) notice = m.truncated;
      const showErrors = action === 'next' ? read.errors : {};
      if (fileProblems.length > 0 || notice || (action === 'next' && !advance))
        return renderStep(
          req,
          reply,
          d.def,
          index,
          saved.state,
          { answers: read.answers, problems: showErrors, fileProblems, ...(notice ? { notice } : {}) },
          400,
        );
      if (action === 'back')
        return reply.redirect(index === 0 ? '/report' : w.pageUrl(d.def, index - 1), 303);
      if (action === 'next') return reply.redirect(w.pageUrl(d.def, index + 1), 303);
      return reply.redirect(w.pageUrl(d.def, index), 303);
    },
  );
}

/** The file question an upload came in under (its field is upload-<index of the question in the step>). */
function fileQuestionOf(
  uploads: readonly { field: string; result?: unknown }[],
  fileId: string,
  questions: readonly { id: string; type: string }[],
): string {
  const upload = uploads.find((u) => (u.result as AttachmentOutcome | undefined)?.stored?.id === fileId);
  const k = upload ? Number(upload.field.slice('upload-'.length)) : -1;
  const q = questions[k];
  return q?.type === 'file' ? q.id : (questions.find((x) => x.type === 'file')?.id ?? '');
}

function problemText(lang: Lang, problem: string, q: Question): string {
  const m = wizardMessages(lang);
  if (problem === 'required' && (q.type.endsWith('choice') || q.type === 'yes-no'))
    return m.problems.requiredChoice!;
  const text = m.problems[problem] ?? m.problems['not-an-option']!;
  return problem === 'too-long' ? fill(text, { max: maxLengthOf(q) }) : text;
}
