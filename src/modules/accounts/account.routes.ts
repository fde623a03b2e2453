/** The signed-in person's own account: password change, sessions, sign out everywhere. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { appendCookie, tOf } from '../../platform/http/request.ts';
import { sessionCookieHeader } from '../../platform/http/sessions.ts';
import { errorSummary, type FieldErrors, hiddenCsrf, textField } from '../../platform/views/forms.ts';
import { html } from '../../platform/views/html.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import type { AccountsModule } from './module.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-policy.ts';
import { problemText } from './problems.ts';

const ANY_STAFF = { access: [] } as const;
const PASSWORD_FIELDS = {
  current: MAX_PASSWORD_LENGTH * 4,
  password: MAX_PASSWORD_LENGTH * 4,
  confirm: MAX_PASSWORD_LENGTH * 4,
};
const QUERY = { type: 'object', properties: { m: { type: 'string', maxLength: 40 } } } as const;

export function registerAccountRoutes(app: FastifyInstance, ctx: AppContext, mod: AccountsModule): void {
  const { pages, csrf, sessions } = ctx;

  const render = async (
    req: FastifyRequest,
    reply: FastifyReply,
    errors: FieldErrors = {},
    flash?: Flash,
    status = 200,
  ) => {
    const t = tOf(req);
    const staff = req.staff!;
    const count = await sessions.countFor(staff.id);
    const token = csrf.token(req, reply);
    const labels = {
      current: t.account.currentPassword,
      password: t.setup.newPassword,
      confirm: t.setup.confirmPassword,
    };
    const main = html`<h1>${t.account.title}</h1>
${flashBox(flash)}
<p>${fill(t.admin.welcome, { name: staff.displayName })} <span class="mono">${staff.username}</span></p>
<h2>${t.account.changePassword}</h2>
${errorSummary(t, errors, labels)}
<form method="post" action="/admin/account/password" class="stack" novalidate>
${hiddenCsrf(token)}
<input type="hidden" name="username" value="${staff.username}" autocomplete="username">
${textField({ name: 'current', label: labels.current, type: 'password', autocomplete: 'current-password', required: true, error: errors.current })}
${textField({ name: 'password', label: labels.password, type: 'password', autocomplete: 'new-password', required: true, error: errors.password, hint: fill(t.setup.passwordRules, { min: MIN_PASSWORD_LENGTH }) })}
${textField({ name: 'confirm', label: labels.confirm, type: 'password', autocomplete: 'new-password', required: true, error: errors.confirm })}
<div class="actions"><button type="submit">${t.account.changePassword}</button></div>
</form>
<h2>${t.account.sessions}</h2>
<p>${fill(t.account.sessionsIntro, { count })}</p>
<form method="post" action="/admin/account/sign-out-everywhere">${hiddenCsrf(token)}
<button type="submit" class="secondary">${t.auth.signOutEverywhere}</button></form>`;
    return pages.admin(req, reply, t.account.title, main, status);
  };

  app.get<{ Querystring: { m?: string } }>(
    '/admin/account',
    { config: ANY_STAFF, schema: { querystring: QUERY } },
    (req, reply) => {
      const t = tOf(req);
      return render(
        req,
        reply,
        {},
        req.query.m === 'password' ? { kind: 'ok', text: t.account.passwordChanged } : undefined,
      );
    },
  );

  app.post(
    '/admin/account/password',
    { config: ANY_STAFF, schema: { body: formBodySchema(PASSWORD_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const t = tOf(req);
      const v = readForm(req.body, PASSWORD_FIELDS, req.validationError !== undefined).values as Record<
        keyof typeof PASSWORD_FIELDS,
        string
      >;
      const errors: FieldErrors = {};
      if (v.current === '') errors.current = t.forms.required;
      if (v.password === '') errors.password = t.forms.required;
      else if (v.password !== v.confirm) errors.confirm = t.setup.passwordsDiffer;
      if (Object.keys(errors).length > 0) return render(req, reply, errors, undefined, 400);
      const result = await mod.auth.changePassword(req.staff!, req.session!, v.current, v.password);
      if (result === 'ok') return reply.redirect('/admin/account?m=password', 303);
      if (result === 'wrong') return render(req, reply, { current: t.account.wrongPassword }, undefined, 400);
      if (result === 'busy') return render(req, reply, { _form: t.auth.busy }, undefined, 503);
      return render(req, reply, { password: problemText(t, result) }, undefined, 400);
    },
  );

  app.post(
    '/admin/account/sign-out-everywhere',
    { config: ANY_STAFF, schema: { body: formBodySchema({}) } },
    async (req, reply) => {
      await mod.auth.signOutEverywhere(req.staff!);
      appendCookie(reply, sessionCookieHeader(ctx.config.secureCookies, '', 0));
      return reply.redirect('/admin/sign-in?m=everywhere', 303);
    },
  );
}
