/**
 * The reporter's follow-up mailbox, reached with the receipt code only:
 *   GET/POST /report/follow-up             the code form; a right code sets the follow-up cookie
 *   GET      /report/follow-up/mailbox     status, answers, files and the message thread
 *   POST     /report/follow-up/reply       a message or an answer to a question, with files (multipart)
 *   POST     /report/follow-up/consent     the answer to a staff request to see the reporter's identity
 *   POST     /report/follow-up/sign-out    forgets the cookie
 * Every page is no-store. The code is never logged, stored or put in a URL; nothing about the
 * reporter's device or address is seen here. A refused file never loses the typed text: the page
 * comes back with it and says which file was refused and why.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { type FileSink, multipartOf, registerMultipart } from '../../platform/http/multipart.ts';
import { appendCookie, cookiesOf, langOf, serializeCookie } from '../../platform/http/request.ts';
import type { SafeHtml } from '../../platform/views/html.ts';
import { fill, messages } from '../../platform/views/i18n/index.ts';
import { type AttachmentOutcome, outcomesOf } from './attachments.ts';
import { answerConsent, consentStates, withdrawConsent } from './followup.consent.ts';
import { followUpMessages } from './followup.messages.ts';
import {
  FOLLOWUP_COOKIE,
  FOLLOWUP_IDLE_MS,
  FOLLOWUP_PATH,
  type FollowUpService,
  type FollowUpSession,
  followUpOf,
  REPLY_MAX,
} from './followup.service.ts';
import { mailboxPage, type ReplyDraft, signInPage, throttledPage } from './followup.views.ts';
import type { ReportsServices } from './module.ts';

const SIGNIN_FIELDS = { code: 100 };
const CONSENT_FIELDS = { consent: 60, answer: 20 };
// Twice the limit, so a text that is too long comes back whole with a message, not cut silently.
const REPLY_FIELDS = { text: REPLY_MAX * 2, replyTo: 40 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FLASH_QUERY = {
  type: 'object',
  properties: { m: { type: 'string', maxLength: 20 } },
} as const;

/** Where files go when nobody is signed in: nowhere (the handler sends the person to sign in). */
const NOWHERE: FileSink = { write: async () => {}, finish: async () => undefined, abort: async () => {} };

export function registerFollowUpRoutes(app: FastifyInstance, ctx: AppContext, s: ReportsServices): void {
  const f = followUpOf(ctx, s);
  const limits = ctx.config.reports;
  const sessions = new WeakMap<FastifyRequest, FollowUpSession | null>();
  const sessionOf = (req: FastifyRequest): FollowUpSession | undefined => {
    let v = sessions.get(req);
    if (v === undefined) {
      v = f.openSession(cookiesOf(req)[FOLLOWUP_COOKIE]) ?? null;
      sessions.set(req, v);
    }
    return v ?? undefined;
  };
  const setCookie = (reply: FastifyReply, value: string, maxAgeSeconds: number) =>
    appendCookie(
      reply,
      serializeCookie(FOLLOWUP_COOKIE, value, {
        maxAgeSeconds,
        httpOnly: true,
        secure: ctx.config.secureCookies,
        sameSite: 'Strict',
        path: FOLLOWUP_PATH,
      }),
    );
  const page = (req: FastifyRequest, reply: FastifyReply, title: string, main: SafeHtml, status = 200) =>
    ctx.pages.public(req, reply.header('cache-control', 'no-store'), title, main, status);
  const toSignIn = (reply: FastifyReply, m: 'expired' | 'signed-out') => {
    setCookie(reply, '', 0);
    return reply.header('cache-control', 'no-store').redirect(`${FOLLOWUP_PATH}?m=${m}`, 303);
  };

  app.get<{ Querystring: { m?: string } }>(
    FOLLOWUP_PATH,
    { config: { access: 'public' }, schema: { querystring: FLASH_QUERY } },
    (req, reply) => {
      const lang = langOf(req);
      const m = followUpMessages(lang);
      if (!req.query.m && sessionOf(req))
        return reply.header('cache-control', 'no-store').redirect(`${FOLLOWUP_PATH}/mailbox`, 303);
      const flash =
        req.query.m === 'signed-out'
          ? { kind: 'ok' as const, text: m.signedOut }
          : req.query.m === 'expired'
            ? { kind: 'info' as const, text: m.expired }
            : undefined;
      return page(req, reply, m.signInTitle, signInPage(lang, ctx.csrf.token(req, reply), { flash }));
    },
  );

  app.post(
    FOLLOWUP_PATH,
    { config: { access: 'public' }, schema: { body: formBodySchema(SIGNIN_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const lang = langOf(req);
      const m = followUpMessages(lang);
      const form = readForm(req.body, SIGNIN_FIELDS, req.validationError !== undefined);
      const code = form.values.code ?? '';
      const again = (error: string, status: number) =>
        page(
          req,
          reply,
          m.signInTitle,
          signInPage(lang, ctx.csrf.token(req, reply), { code, error }),
          status,
        );
      const result = await f.signIn(code);
      if (result.ok) {
        setCookie(reply, f.sealSession(result.session), FOLLOWUP_IDLE_MS / 1000);
        return reply.header('cache-control', 'no-store').redirect(`${FOLLOWUP_PATH}/mailbox`, 303);
      }
      if (!('retryAfterMs' in result))
        return again(result.reason === 'format' ? m.codeFormat : m.codeUnknown, 400);
      // Wrong codes: a page that says when to come back, with Retry-After for the browser.
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      reply.header('retry-after', String(seconds));
      const text =
        result.reason === 'busy' ? m.busy : fill(m.throttled, { minutes: Math.ceil(seconds / 60) });
      return page(req, reply, m.throttledTitle, throttledPage(lang, text), 429);
    },
  );

  app.get<{ Querystring: { m?: string } }>(
    `${FOLLOWUP_PATH}/mailbox`,
    { config: { access: 'public' }, schema: { querystring: FLASH_QUERY } },
    async (req, reply) => {
      const session = sessionOf(req);
      if (!session) return toSignIn(reply, 'expired');
      const lang = langOf(req);
      const m = followUpMessages(lang);
      const flash =
        req.query.m === 'sent'
          ? { kind: 'ok' as const, text: m.sent }
          : req.query.m === 'answered'
            ? { kind: 'ok' as const, text: m.answerSent }
            : req.query.m === 'agreed'
              ? { kind: 'ok' as const, text: m.consentAgreedFlash }
              : req.query.m === 'not-agreed'
                ? { kind: 'info' as const, text: m.consentRefusedFlash }
                : req.query.m === 'withdrawn'
                  ? { kind: 'ok' as const, text: m.consentWithdrawnFlash }
                  : undefined;
      return showMailbox(req, reply, session, { flash }, 200);
    },
  );

  async function showMailbox(
    req: FastifyRequest,
    reply: FastifyReply,
    session: FollowUpSession,
    o: {
      flash?: { kind: 'ok' | 'info' | 'error'; text: string };
      draft?: ReplyDraft;
      errors?: Record<string, string>;
    },
    status: number,
  ) {
    const lang = langOf(req);
    const box = await f.mailbox(session, lang);
    if (!box) return toSignIn(reply, 'expired');
    // Each page seen renews the idle lifetime.
    setCookie(reply, f.sealSession(session), FOLLOWUP_IDLE_MS / 1000);
    const consentIds = box.messages.flatMap((msg) => (msg.consentId ? [msg.consentId] : []));
    const consents = await consentStates(ctx.db, session.reportId, consentIds);
    const main = mailboxPage(lang, ctx.csrf.token(req, reply), box, {
      ...o,
      consents,
      maxFiles: limits.maxFiles,
      maxFileMb: Math.floor(limits.maxFileBytes / (1024 * 1024)),
    });
    return page(
      req,
      reply,
      fill(followUpMessages(lang).mailboxTitle, { reference: box.reference }),
      main,
      status,
    );
  }

  // The reporter's answer to a consent request (followup.consent.ts).
  app.post(
    `${FOLLOWUP_PATH}/consent`,
    {
      config: { access: 'public' },
      schema: { body: formBodySchema(CONSENT_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const session = sessionOf(req);
      if (!session) return toSignIn(reply, 'expired');
      const form = readForm(req.body, CONSENT_FIELDS, req.validationError !== undefined);
      const answer = form.values.answer;
      const consentId = form.values.consent ?? '';
      const unknown = () =>
        showMailbox(
          req,
          reply,
          session,
          { flash: { kind: 'error', text: followUpMessages(langOf(req)).consentUnknown } },
          answer === 'agree' || answer === 'refuse' || answer === 'withdraw' ? 409 : 400,
        );
      if (
        (answer !== 'agree' && answer !== 'refuse' && answer !== 'withdraw') ||
        !/^[A-Za-z0-9_-]{10,40}$/.test(consentId)
      )
        return unknown();
      const result =
        answer === 'withdraw'
          ? await withdrawConsent(ctx, session.reportId, consentId)
          : await answerConsent(ctx, session.reportId, consentId, answer === 'agree');
      if (!result.ok) return unknown();
      const flash = answer === 'agree' ? 'agreed' : answer === 'refuse' ? 'not-agreed' : 'withdrawn';
      return reply.header('cache-control', 'no-store').redirect(`${FOLLOWUP_PATH}/mailbox?m=${flash}`, 303);
    },
  );

  app.post(
    `${FOLLOWUP_PATH}/sign-out`,
    { config: { access: 'public' }, schema: { body: formBodySchema({}) }, attachValidation: true },
    async (_req, reply) => toSignIn(reply, 'signed-out'),
  );

  app.register(async (scope) => {
    registerMultipart(scope, {
      csrf: ctx.csrf,
      sinkFor: (req, _field, declaredName) => {
        const session = sessionOf(req);
        return session ? s.attachments.sink(session.contentKey, declaredName) : NOWHERE;
      },
    });
    scope.post(
      `${FOLLOWUP_PATH}/reply`,
      {
        config: {
          access: 'public',
          multipart: {
            files: { files: limits.maxFileBytes },
            maxFilesPerField: limits.maxFiles,
            fieldBytes: REPLY_MAX * 8,
            fields: 10,
            totalBytes: limits.maxFiles * limits.maxFileBytes + 1024 * 1024,
          },
        },
        schema: { body: formBodySchema(REPLY_FIELDS) },
        attachValidation: true,
      },
      async (req, reply) => handleReply(req, reply, f),
    );
  });

  async function handleReply(req: FastifyRequest, reply: FastifyReply, svc: FollowUpService) {
    const multipart = multipartOf(req);
    const outcomes: AttachmentOutcome[] = multipart ? outcomesOf(multipart.uploads) : [];
    const stored = outcomes.flatMap((o) => (o.stored ? [o.stored] : []));
    const drop = () => Promise.all(stored.map((file) => s.attachments.remove(file.id)));
    const session = sessionOf(req);
    if (!session) {
      await drop();
      return toSignIn(reply, 'expired');
    }
    const lang = langOf(req);
    const m = followUpMessages(lang);
    const form = readForm(req.body, REPLY_FIELDS, req.validationError !== undefined);
    const text = (form.values.text ?? '').replace(/\r\n?/g, '\n').trim();
    const replyTo = UUID.test(form.values.replyTo ?? '') ? form.values.replyTo : undefined;
    const draft: ReplyDraft = { text, replyTo };
    const errors: Record<string, string> = {};
    let status = 400;
    const mb = Math.floor(limits.maxFileBytes / (1024 * 1024));
    if (multipart?.problem === 'too-large') {
      errors._form = fill(m.bodyTooLarge, { mb: limits.maxFiles * mb });
      status = 413;
    } else if (multipart?.problem === 'malformed') errors._form = m.malformed;
    else if (form.truncated || multipart?.truncated) errors._form = messages(lang).forms.requestTooLong;
    if (text.length > REPLY_MAX) errors.text = fill(m.textTooLong, { max: REPLY_MAX });
    const refused = outcomes.filter((o) => o.problem);
    if (refused.length > 0) {
      errors.files = `${m.filesRefused} ${refused
        .map(
          (o) =>
            `${o.name}: ${fill(m.fileProblems[o.problem as string] ?? '', { mb, count: limits.maxFiles })}`,
        )
        .join('; ')}`;
      if (status === 400) status = refused.some((o) => o.problem === 'too-large') ? 413 : 422;
    }
    if (Object.keys(errors).length === 0 && text === '' && stored.length === 0) errors.text = m.nothingToSend;
    if (Object.keys(errors).length > 0) {
      await drop();
      return showMailbox(req, reply, session, { draft, errors }, status);
    }
    const result = await svc.reply(session, { text, replyTo, files: stored });
    if (!result.ok) {
      await drop();
      if (result.problem === 'gone') return toSignIn(reply, 'expired');
      return showMailbox(
        req,
        reply,
        session,
        { draft: { text, replyTo: undefined }, errors: { text: m.unknownQuestion } },
        400,
      );
    }
    return reply
      .header('cache-control', 'no-store')
      .redirect(`${FOLLOWUP_PATH}/mailbox?m=${replyTo ? 'answered' : 'sent'}`, 303);
  }
}
