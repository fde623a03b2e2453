/**
 * The last pages of a report in progress: how the reporter is identified, the review with its
 * proof of work, and sending it. A refusal (busy, channel closed, an answer no longer valid) never
 * costs the draft; a repeated submission answers with the first receipt.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { langOf } from '../../platform/http/request.ts';
import { fill, type Lang } from '../../platform/views/i18n/index.ts';
import { contentKeyOf, type Draft, type DraftState } from './drafts.ts';
import {
  checkIdentity,
  IntakeRefused,
  type ReporterIdentity,
  SUBMISSION_MEMORY_MS,
} from './intake.service.ts';
import { checkAll, type QuestionnaireDefinition } from './questionnaire.ts';
import { wizardMessages } from './wizard.messages.ts';
import { type Errors, field, fieldsOf, LOOSE_FORM, stepRenderer, type Wizard } from './wizard.steps.ts';
import { identityPage, messagePage, reviewPage, type WizardError } from './wizard.views.ts';

const NAME_MAX = 200;
const CONTACT_MAX = 500;

export function registerWizardFinishRoutes(scope: FastifyInstance, w: Wizard): void {
  const { ctx, s, drafts, mayOpen } = w;
  const renderStep = stepRenderer(w);

  const renderIdentity = (
    req: FastifyRequest,
    reply: FastifyReply,
    def: QuestionnaireDefinition,
    values: { mode: string; name: string; contact: string },
    problems: Errors = {},
    status = 200,
  ) => {
    const lang = langOf(req);
    const m = wizardMessages(lang);
    const errors: WizardError[] = [];
    const fieldErrors: Record<string, string> = {};
    const labels: Record<string, string> = {
      'identity.mode': m.identityLegend,
      'identity.name': m.name,
      'identity.contact': m.contact,
    };
    for (const [key, problem] of Object.entries(problems)) {
      const anchor = `f-${key.replace('.', '-')}`;
      const message =
        problem === 'too-long'
          ? fill(m.identityProblems.tooLong, { max: key === 'identity.name' ? NAME_MAX : CONTACT_MAX })
          : (m.identityProblems[key as keyof typeof m.identityProblems] ?? m.problems.required!);
      fieldErrors[anchor] = message;
      errors.push({ anchor, label: labels[key] ?? '', message });
    }
    const total = def.steps.length + 2;
    const main = identityPage({
      lang,
      csrf: ctx.csrf.token(req, reply),
      stepNumber: total - 1,
      total,
      values,
      errors,
      fieldErrors,
    });
    return w.send(req, reply, m.identityTitle, main, status);
  };

  /** Shows where a whole-report check found problems: the first step with one, or the identity page. */
  const renderProblems = (
    req: FastifyRequest,
    reply: FastifyReply,
    d: { draft: Draft; def: QuestionnaireDefinition },
    errors: Errors,
    status: number,
  ) => {
    const notice = wizardMessages(langOf(req)).needsAttention;
    const index = d.def.steps.findIndex((st) => st.questions.some((q) => errors[q.id] !== undefined));
    if (index >= 0)
      return renderStep(req, reply, d.def, index, d.draft.state, { problems: errors, notice }, status);
    const { mode, name, contact } = d.draft.state.identity;
    const identityErrors = Object.fromEntries(
      Object.entries(errors).filter(([k]) => k.startsWith('identity.')),
    );
    return renderIdentity(req, reply, d.def, { mode, name, contact }, identityErrors, status);
  };

  const renderReview = async (
    req: FastifyRequest,
    reply: FastifyReply,
    d: { draft: Draft; def: QuestionnaireDefinition },
    o: { freshChallenge: boolean; notice?: string },
    status = 200,
  ) => {
    let draft = d.draft;
    if (o.freshChallenge || !draft.state.challenge) {
      const challenge = s.pow.issue();
      const saved = await drafts.update(draft, (st) => ({ ...st, challenge }));
      if (!saved) return w.withDraft(req, reply).then(() => reply);
      draft = saved;
    }
    const lang = langOf(req);
    const main = reviewPage({
      lang,
      csrf: ctx.csrf.token(req, reply),
      def: d.def,
      answers: draft.state.answers,
      files: draft.state.files,
      identity: draft.state.identity,
      challenge: draft.state.challenge ?? '',
      powBits: s.pow.bits,
      notice: o.notice,
    });
    return w.send(req, reply, wizardMessages(lang).reviewTitle, main, status);
  };

  // ---- How the reporter is identified ----

  scope.get('/report/identity', { config: { access: 'public' } }, async (req, reply) => {
    const d = await w.withDraft(req, reply);
    if (!d || !mayOpen(reply, d, d.def.steps.length)) return reply;
    return renderIdentity(req, reply, d.def, d.draft.state.identity);
  });

  scope.post(
    '/report/identity',
    { config: { access: 'public' }, schema: { body: LOOSE_FORM }, attachValidation: true },
    async (req, reply) => {
      const d = await w.withDraft(req, reply);
      if (!d || !mayOpen(reply, d, d.def.steps.length)) return reply;
      const fields = fieldsOf(req.body);
      const action = field(fields, 'action') || 'next';
      const typed = {
        mode: field(fields, 'identity.mode'),
        name: field(fields, 'identity.name'),
        contact: field(fields, 'identity.contact'),
      };
      const checked = checkIdentity(typed as ReporterIdentity);
      const ok = !('problems' in checked);
      const modes: readonly string[] = ['anonymous', 'confidential', 'named'];
      const mode = ok
        ? checked.mode
        : modes.includes(typed.mode)
          ? (typed.mode as ReporterIdentity['mode'])
          : d.draft.state.identity.mode;
      // What was typed is kept (checked again before sending), except that anonymous keeps nothing.
      const identity = ok
        ? { mode, name: checked.name ?? '', contact: checked.contact ?? '' }
        : { mode, name: typed.name.slice(0, NAME_MAX), contact: typed.contact.slice(0, CONTACT_MAX) };
      const advance = action === 'next' && ok;
      const saved = await drafts.update(d.draft, (st) => ({
        ...st,
        identity: identity.mode === 'anonymous' ? { mode: 'anonymous', name: '', contact: '' } : identity,
        reached: advance ? Math.max(st.reached, d.def.steps.length + 1) : st.reached,
      }));
      if (!saved) return w.withDraft(req, reply).then(() => reply);
      if (action === 'back') return reply.redirect(w.pageUrl(d.def, d.def.steps.length - 1), 303);
      if (!ok) {
        const problems = { ...checked.problems };
        if (!typed.mode) problems['identity.mode'] = 'required';
        return renderIdentity(req, reply, d.def, typed, problems, 400);
      }
      return reply.redirect('/report/review', 303);
    },
  );

  // ---- Review and send ----

  scope.get('/report/review', { config: { access: 'public' } }, async (req, reply) => {
    const d = await w.withDraft(req, reply);
    if (!d || !mayOpen(reply, d, d.def.steps.length + 1)) return reply;
    const problems = wholeReportProblems(d.def, d.draft.state, ctx.now());
    if (problems) return renderProblems(req, reply, d, problems, 200);
    return renderReview(req, reply, d, { freshChallenge: true });
  });

  scope.post(
    '/report/submit',
    { config: { access: 'public' }, schema: { body: LOOSE_FORM }, attachValidation: true },
    async (req, reply) => {
      const d = await w.withDraft(req, reply);
      if (!d || !mayOpen(reply, d, d.def.steps.length + 1)) return reply;
      const lang = langOf(req);
      const m = wizardMessages(lang);
      const fields = fieldsOf(req.body);
      const challenge = field(fields, 'challenge');
      // A solved challenge counts for the draft it was shown with, and only that one.
      if (!d.draft.state.challenge || challenge !== d.draft.state.challenge)
        return renderReview(req, reply, d, { freshChallenge: true, notice: m.powRetry }, 400);
      const verdict = s.pow.verify(challenge, field(fields, 'nonce'));
      if (verdict === 'too-soon')
        return renderReview(req, reply, d, { freshChallenge: false, notice: m.tooSoon }, 400);
      if (verdict === 'busy') return busy(req, reply, lang);
      // 'reused': this draft's own challenge again (a double click, a retry after "busy"): the
      // submission key answers with the first receipt, so no second report can come of it.
      if (verdict !== 'ok' && verdict !== 'ok-fallback' && verdict !== 'reused')
        return renderReview(req, reply, d, { freshChallenge: true, notice: m.powRetry }, 400);
      const st = d.draft.state;
      try {
        await s.intake.submit({
          questionnaireId: st.questionnaireId,
          questionnaireVersion: st.version,
          answers: st.answers,
          identity: st.identity,
          source: 'web',
          lang,
          files: st.files.map((f) => f.ref),
          contentKey: contentKeyOf(d.draft),
          submissionKey: d.draft.token,
        });
      } catch (err) {
        if (!(err instanceof IntakeRefused)) throw err;
        const r = err.refusal;
        if (r.kind === 'busy') return busy(req, reply, lang);
        if (r.kind === 'invalid') return renderProblems(req, reply, d, r.errors, 400);
        return w.send(
          req,
          reply,
          m.unavailableTitle,
          messagePage(m.unavailableTitle, m.unavailableText, {
            href: '/report/review',
            label: m.backToReview,
          }),
          503,
        );
      }
      await drafts.remove(d.draft);
      // The same token now finds the receipt, for as long as the submission is remembered.
      w.setCookie(reply, d.draft.token, SUBMISSION_MEMORY_MS);
      return reply.redirect('/report/receipt', 303);
    },
  );

  const busy = (req: FastifyRequest, reply: FastifyReply, lang: Lang) => {
    const m = wizardMessages(lang);
    return w.send(
      req,
      reply.header('retry-after', '60'),
      m.busyTitle,
      messagePage(m.busyTitle, m.busyText, { href: '/report/review', label: m.backToReview }),
      429,
    );
  };
}

/** Problems a whole-report check finds (a changed earlier answer can make a later question needed). */
function wholeReportProblems(def: QuestionnaireDefinition, st: DraftState, now: number): Errors | undefined {
  const errors: Errors = { ...checkAll(def, st.answers, now).errors };
  const identity = checkIdentity(st.identity);
  if ('problems' in identity) Object.assign(errors, identity.problems);
  return Object.keys(errors).length > 0 ? errors : undefined;
}
