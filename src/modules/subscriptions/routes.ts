/**
 * Public routes:
 *   GET/POST /subscribe                 the form (CSRF-protected, rate-limited, no JavaScript)
 *   GET/POST /subscribe/confirm/:token  the confirmation link shows a button; the POST confirms
 *                                        (mail scanners that follow links do not subscribe anyone)
 *   GET/POST /unsubscribe/:token        GET shows a button; POST deletes the address. The POST is
 *                                        also RFC 8058 one-click unsubscribe from mail clients.
 * Pages carrying a CSRF token are never cached. Nothing here logs or echoes an address except the
 * form re-rendered to the person who typed it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf } from '../../platform/http/request.ts';
import type { RateLimiter } from '../../platform/http/throttle.ts';
import type { SafeHtml } from '../../platform/views/html.ts';
import { isLang, messages } from '../../platform/views/i18n/index.ts';
import { subMessages } from './messages.ts';
import { parseEmail, type SubscriptionService } from './service.ts';
import { buttonPage, feedList, messagePage, notOfferedPage, subscribePage } from './views.ts';

const FIELDS = { email: 320, lang: 10 };
const SUBSCRIBE_QUERY = {
  type: 'object',
  properties: { m: { type: 'string', maxLength: 20 } },
} as const;
const TOKEN_PARAMS = {
  type: 'object',
  properties: { token: { type: 'string', maxLength: 100 } },
  required: ['token'],
} as const;

export function registerSubscriptionRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  service: SubscriptionService,
  limiter: RateLimiter,
): void {
  const page = (req: FastifyRequest, reply: FastifyReply, title: string, main: SafeHtml, status = 200) =>
    ctx.pages.public(req, reply.header('cache-control', 'no-store'), title, main, status);

  app.get<{ Querystring: { m?: string } }>(
    '/subscribe',
    { config: { access: 'public' }, schema: { querystring: SUBSCRIBE_QUERY } },
    (req, reply) => {
      const lang = langOf(req);
      const m = subMessages(lang);
      if (!service.enabled) return page(req, reply, m.title, notOfferedPage(lang));
      if (req.query.m === 'sent') return page(req, reply, m.sentTitle, messagePage(m.sentTitle, m.sentText));
      const csrf = ctx.csrf.token(req, reply);
      return page(req, reply, m.title, subscribePage(lang, csrf, { email: '', lang }, {}));
    },
  );

  app.post(
    '/subscribe',
    { config: { access: 'public' }, schema: { body: formBodySchema(FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const lang = langOf(req);
      const m = subMessages(lang);
      if (!service.enabled) return page(req, reply, m.title, notOfferedPage(lang), 404);
      const form = readForm(req.body, FIELDS, req.validationError !== undefined);
      const chosen = isLang(form.values.lang) ? form.values.lang : lang;
      const values = { email: form.values.email ?? '', lang: chosen };
      const errors: Record<string, string> = {};
      const parsed = parseEmail(values.email);
      if (!parsed) errors.email = m.invalidEmail;
      if (form.values.lang && !isLang(form.values.lang)) errors.lang = messages(lang).forms.invalidChoice;
      if (form.truncated) errors._form = messages(lang).forms.requestTooLong;
      const again = (status: number) =>
        page(req, reply, m.title, subscribePage(lang, ctx.csrf.token(req, reply), values, errors), status);
      if (!parsed || Object.keys(errors).length > 0) return again(400);
      // A node-wide token bucket keyed by nothing: it caps the mail this form can cause without
      // knowing, or storing, who is asking.
      if (!limiter.take()) {
        errors._form = m.busy;
        return again(429);
      }
      await service.subscribe(parsed.address, parsed.key, chosen);
      return reply.header('cache-control', 'no-store').redirect('/subscribe?m=sent', 303);
    },
  );

  app.get<{ Params: { token: string } }>(
    '/subscribe/confirm/:token',
    { config: { access: 'public' }, schema: { params: TOKEN_PARAMS } },
    async (req, reply) => {
      const m = subMessages(langOf(req));
      if (!(await service.confirmLinkValid(req.params.token)))
        return page(req, reply, m.confirmTitle, messagePage(m.confirmTitle, m.linkInvalid), 404);
      const csrf = ctx.csrf.token(req, reply);
      const action = `/subscribe/confirm/${req.params.token}`;
      return page(
        req,
        reply,
        m.confirmTitle,
        buttonPage(m.confirmTitle, m.confirmText, action, m.confirmButton, csrf),
      );
    },
  );

  app.post<{ Params: { token: string } }>(
    '/subscribe/confirm/:token',
    { config: { access: 'public' }, schema: { params: TOKEN_PARAMS } },
    async (req, reply) => {
      const m = subMessages(langOf(req));
      if (!(await service.confirm(req.params.token)))
        return page(req, reply, m.confirmTitle, messagePage(m.confirmTitle, m.linkInvalid), 404);
      return page(req, reply, m.confirmedTitle, messagePage(m.confirmedTitle, m.confirmedText));
    },
  );

  app.get<{ Params: { token: string } }>(
    '/unsubscribe/:token',
    { config: { access: 'public' }, schema: { params: TOKEN_PARAMS } },
    async (req, reply) => {
      const lang = langOf(req);
      const m = subMessages(lang);
      if (!(await service.unsubscribeLinkValid(req.params.token)))
        return page(
          req,
          reply,
          m.unsubscribeTitle,
          messagePage(m.unsubscribeTitle, m.unsubscribeInvalid),
          404,
        );
      const action = `/unsubscribe/${req.params.token}`;
      return page(
        req,
        reply,
        m.unsubscribeTitle,
        buttonPage(m.unsubscribeTitle, m.unsubscribeText, action, m.unsubscribeButton, undefined),
      );
    },
  );

  // RFC 8058 one-click unsubscribe: the mail client POSTs `List-Unsubscribe=One-Click` to the URL in
  // the List-Unsubscribe header, as multipart/form-data or urlencoded, with no cookie and no way to
  // fetch a CSRF token first. CSRF protection is off for this route on purpose: the 256-bit token
  // in the URL is itself the secret, known only to the mailbox it was sent to, so a cross-site
  // request cannot be forged without it, and the worst a holder can do is what the link is for.
  // The body is read (bounded) and ignored, whatever its type; the answer is the same whether or not
  // a row was deleted, so repeating it is harmless.
  app.register(async (scope) => {
    for (const type of ['multipart/form-data', 'text/plain']) {
      if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
    }
    scope.addContentTypeParser(
      ['multipart/form-data', 'text/plain'],
      { parseAs: 'buffer', bodyLimit: 4096 },
      (_req, _body, done) => done(null, {}),
    );
    scope.post<{ Params: { token: string } }>(
      '/unsubscribe/:token',
      { config: { access: 'public', csrf: false }, schema: { params: TOKEN_PARAMS }, bodyLimit: 4096 },
      async (req, reply) => {
        const lang = langOf(req);
        const m = subMessages(lang);
        if (!/^[A-Za-z0-9_-]{43}$/.test(req.params.token))
          return page(
            req,
            reply,
            m.unsubscribeTitle,
            messagePage(m.unsubscribeTitle, m.unsubscribeInvalid),
            404,
          );
        await service.unsubscribe(req.params.token);
        return page(
          req,
          reply,
          m.unsubscribedTitle,
          messagePage(m.unsubscribedTitle, m.unsubscribedText, feedList(lang)),
        );
      },
    );
  });
}
