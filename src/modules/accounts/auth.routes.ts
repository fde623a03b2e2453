/** Sign-in, the second factor, sign-out and one-time links (first admin, invitation, reset). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { appendCookie, langOf, safeLocalPath, tOf } from '../../platform/http/request.ts';
import { sessionCookieHeader } from '../../platform/http/sessions.ts';
import { RateLimiter } from '../../platform/http/throttle.ts';
import type { FieldErrors } from '../../platform/views/forms.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import type { Flash } from '../../platform/views/layout.ts';
import { linkView, secondFactorView, signInView } from './auth.views.ts';
import type { AccountsModule } from './module.ts';
import { MAX_PASSWORD_LENGTH } from './password-policy.ts';
import { problemsToErrors } from './problems.ts';
import { groupSecret, otpauthUri } from './totp.ts';

const SIGN_IN_FIELDS = { username: 100, password: MAX_PASSWORD_LENGTH * 4, next: 500 };
const CODE_FIELDS = { code: 20 };
const LINK_FIELDS = {
  username: 100,
  displayName: 200,
  password: MAX_PASSWORD_LENGTH * 4,
  confirm: MAX_PASSWORD_LENGTH * 4,
};
const TOKEN_PARAMS = {
  type: 'object',
  properties: { token: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['token'],
} as const;
const SIGN_IN_QUERY = {
  type: 'object',
  properties: { next: { type: 'string', maxLength: 500 }, m: { type: 'string', maxLength: 40 } },
} as const;

export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext, mod: AccountsModule): void {
  const { pages, csrf, sessions } = ctx;
  // Caps password and code checks on this node (bursts of 30, 10 a second), whoever sends them;
  // the per-account throttle in AuthService handles guessing against one account.
  const attempts = new RateLimiter(30, 10, ctx.now);

  const sessionCookie = (value: string, maxAgeSeconds: number) =>
    sessionCookieHeader(ctx.config.secureCookies, value, maxAgeSeconds);

  const flashFor = (req: FastifyRequest, m: string | undefined): Flash | undefined => {
    const t = tOf(req);
    if (m === 'signed-out') return { kind: 'ok', text: t.auth.signedOut };
    if (m === 'everywhere') return { kind: 'ok', text: t.auth.signedOutEverywhere };
    if (m === 'password-set') return { kind: 'ok', text: t.setup.done };
    if (m === 'expired') return { kind: 'info', text: t.auth.sessionExpired };
    return undefined;
  };

  const renderSignIn = (
    req: FastifyRequest,
    reply: FastifyReply,
    v: { username?: string; next?: string; errors?: FieldErrors; flash?: Flash },
    status = 200,
  ) => {
    const t = tOf(req);
    return pages.public(
      req,
      reply,
      t.auth.signInTitle,
      signInView(t, {
        csrf: csrf.token(req, reply),
        username: v.username ?? '',
        next: v.next ?? '/admin',
        errors: v.errors ?? {},
        flash: v.flash,
      }),
      status,
    );
  };

  app.get<{ Querystring: { next?: string; m?: string } }>(
    '/admin/sign-in',
    { config: { access: 'public' }, schema: { querystring: SIGN_IN_QUERY } },
    async (req, reply) => {
      if (req.staff) return reply.redirect('/admin', 303);
      return renderSignIn(req, reply, {
        next: safeLocalPath(req.query.next, '/admin', '/admin'),
        flash: flashFor(req, req.query.m),
      });
    },
  );

  app.post(
    '/admin/sign-in',
    {
      config: { access: 'public' },
      schema: { body: formBodySchema(SIGN_IN_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const t = tOf(req);
      const form = readForm(req.body, SIGN_IN_FIELDS, req.validationError !== undefined);
      const { username, password } = form.values as { username: string; password: string };
      const next = safeLocalPath(form.values.next, '/admin', '/admin');
      const errors: FieldErrors = {};
      if (form.truncated) errors._form = t.forms.requestTooLong;
      if (username.trim() === '') errors.username = t.forms.required;
      if (password === '') errors.password = t.forms.required;
      if (Object.keys(errors).length > 0) return renderSignIn(req, reply, { username, next, errors }, 400);
      if (!attempts.take())
        return renderSignIn(req, reply, { username, next, errors: { _form: t.errors.body429 } }, 429);

      const result = await mod.auth.signIn(username, password);
      if (result.kind === 'throttled') {
        const minutes = Math.max(1, Math.ceil(result.retryInMs / 60_000));
        return renderSignIn(
          req,
          reply,
          { username, next, errors: { _form: fill(t.auth.throttled, { minutes }) } },
          429,
        );
      }
      if (result.kind === 'busy')
        return renderSignIn(req, reply, { username, next, errors: { _form: t.auth.busy } }, 503);
      if (result.kind === 'bad')
        return renderSignIn(req, reply, { username, next, errors: { _form: t.auth.badCredentials } }, 401);

      if (req.session) await sessions.destroy(req.session.id);
      const { cookieValue } = await sessions.create(result.staffId, result.stage, result.secrets);
      appendCookie(reply, sessionCookie(cookieValue, ctx.config.sessionAbsoluteMs / 1000));
      if (result.stage === 'full') return reply.redirect(next, 303);
      return reply.redirect('/admin/sign-in/two-factor', 303);
    },
  );

  const renderSecondFactor = async (
    req: FastifyRequest,
    reply: FastifyReply,
    error?: string,
    status = 400,
  ) => {
    const t = tOf(req);
    const session = req.session!;
    let enrol: { secretGrouped: string; qrSvg: string } | undefined;
    if (session.stage === 'totp-enrol') {
      const secret = Buffer.from(session.secrets.totpSecret ?? '', 'base64');
      const staff = await mod.repo.findById(session.staffId);
      const uri = otpauthUri(secret, ctx.settings.site.orgName[langOf(req)], staff?.username ?? '');
      // Loaded on first use: only enrolment needs it, and start-up stays fast.
      const { default: QRCode } = await import('qrcode');
      enrol = {
        secretGrouped: groupSecret(secret),
        qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1 }),
      };
    }
    const title = enrol ? t.auth.enrolTitle : t.auth.totpTitle;
    return pages.public(
      req,
      reply,
      title,
      secondFactorView(t, { csrf: csrf.token(req, reply), enrol, error }),
      error ? status : 200,
    );
  };

  app.get('/admin/sign-in/two-factor', { config: { access: 'partial' } }, (req, reply) =>
    renderSecondFactor(req, reply),
  );

  app.post(
    '/admin/sign-in/two-factor',
    { config: { access: 'partial' }, schema: { body: formBodySchema(CODE_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const t = tOf(req);
      const { code } = readForm(req.body, CODE_FIELDS).values as { code: string };
      if (!attempts.take()) return renderSecondFactor(req, reply, t.errors.body429, 429);
      const outcome = await mod.auth.completeSecondFactor(req.session!, code);
      if (outcome === 'ok') return reply.redirect('/admin', 303);
      if (outcome === 'throttled') {
        await sessions.destroy(req.session!.id);
        appendCookie(reply, sessionCookie('', 0));
        return renderSignIn(req, reply, { errors: { _form: fill(t.auth.throttled, { minutes: 1 }) } }, 429);
      }
      return renderSecondFactor(req, reply, t.auth.totpWrong);
    },
  );

  app.post(
    '/admin/sign-out',
    { config: { access: [] }, schema: { body: formBodySchema({}) } },
    async (req, reply) => {
      if (req.session) await mod.auth.signOut(req.session, req.staff);
      appendCookie(reply, sessionCookie('', 0));
      return reply.redirect('/admin/sign-in?m=signed-out', 303);
    },
  );

  // One-time links: the first admin, an invitation, a password reset. The token is in the path
  // (never logged: logs carry the route pattern) and the page sends no Referer anywhere.
  const renderLink = async (
    req: FastifyRequest<{ Params: { token: string } }>,
    reply: FastifyReply,
    values: Record<string, string>,
    errors: FieldErrors,
    status = 200,
  ) => {
    const t = tOf(req);
    const info = await mod.staff.describeLink(req.params.token);
    if (!info) return pages.message(req, reply, 404, t.errors.title404, t.setup.linkInvalid);
    const title =
      info.purpose === 'first-admin'
        ? t.setup.firstAdminTitle
        : info.purpose === 'setup'
          ? t.setup.accountTitle
          : t.setup.resetTitle;
    const view = linkView(t, {
      csrf: csrf.token(req, reply),
      action: `/admin/setup/${encodeURIComponent(req.params.token)}`,
      purpose: info.purpose,
      username: info.username,
      values,
      errors,
    });
    return pages.public(req, reply, title, view, status);
  };

  app.get<{ Params: { token: string } }>(
    '/admin/setup/:token',
    { config: { access: 'public' }, schema: { params: TOKEN_PARAMS } },
    (req, reply) => renderLink(req, reply, {}, {}),
  );

  app.post<{ Params: { token: string } }>(
    '/admin/setup/:token',
    {
      config: { access: 'public' },
      schema: { params: TOKEN_PARAMS, body: formBodySchema(LINK_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const t = tOf(req);
      if (req.validationError && req.validationError.validationContext === 'params') {
        return pages.message(req, reply, 404, t.errors.title404, t.setup.linkInvalid);
      }
      const form = readForm(req.body, LINK_FIELDS, req.validationError !== undefined);
      const v = form.values as { username: string; displayName: string; password: string; confirm: string };
      const keep = { username: v.username, displayName: v.displayName };
      const errors: FieldErrors = {};
      if (form.truncated) errors._form = t.forms.requestTooLong;
      if (v.password !== v.confirm) errors.confirm = t.setup.passwordsDiffer;
      if (v.password === '') errors.password = t.forms.required;
      const info = await mod.staff.describeLink(req.params.token);
      if (!info) return pages.message(req, reply, 404, t.errors.title404, t.setup.linkInvalid);
      if (Object.keys(errors).length > 0) return renderLink(req, reply, keep, errors, 400);
      if (!attempts.take()) return renderLink(req, reply, keep, { _form: t.errors.body429 }, 429);
      const outcome =
        info.purpose === 'first-admin'
          ? await mod.staff.completeFirstAdmin(req.params.token, {
              username: v.username,
              displayName: v.displayName,
              password: v.password,
            })
          : await mod.staff.completeLink(req.params.token, v.password);
      if (outcome.ok) return reply.redirect('/admin/sign-in?m=password-set', 303);
      if ('problems' in outcome)
        return renderLink(req, reply, keep, problemsToErrors(t, outcome.problems), 400);
      if (outcome.refused === 'busy') return renderLink(req, reply, keep, { _form: t.auth.busy }, 503);
      return pages.message(req, reply, 404, t.errors.title404, t.setup.linkInvalid);
    },
  );
}
