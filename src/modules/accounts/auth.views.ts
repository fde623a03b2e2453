/** Views for signing in, the second factor and one-time links. They receive plain data only. */
import { errorSummary, type FieldErrors, hiddenCsrf, textField } from '../../platform/views/forms.ts';
import { html, type SafeHtml, unsafeRaw } from '../../platform/views/html.ts';
import { fill, type Messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import { MIN_PASSWORD_LENGTH } from './password-policy.ts';

export function signInView(
  t: Messages,
  v: { csrf: string; username: string; next: string; errors: FieldErrors; flash?: Flash },
): SafeHtml {
  const labels = { username: t.auth.username, password: t.auth.password };
  return html`<h1>${t.auth.signInTitle}</h1>
${flashBox(v.flash)}
<p>${t.auth.signInIntro}</p>
${errorSummary(t, v.errors, labels)}
<form method="post" action="/admin/sign-in" class="stack" novalidate>
${hiddenCsrf(v.csrf)}
<input type="hidden" name="next" value="${v.next}">
${textField({ name: 'username', label: labels.username, value: v.username, error: v.errors.username, autocomplete: 'username', required: true, maxLength: 100 })}
${textField({ name: 'password', label: labels.password, type: 'password', error: v.errors.password, autocomplete: 'current-password', required: true })}
<div class="actions"><button type="submit">${t.auth.signIn}</button></div>
</form>`;
}

export function secondFactorView(
  t: Messages,
  v: { csrf: string; enrol?: { secretGrouped: string; qrSvg: string }; error?: string },
): SafeHtml {
  const title = v.enrol ? t.auth.enrolTitle : t.auth.totpTitle;
  return html`<h1>${title}</h1>
${errorSummary(t, v.error ? { code: v.error } : {}, { code: t.auth.totpCode })}
${
  v.enrol
    ? html`<p>${t.auth.enrolIntro}</p>
<figure class="qr" aria-label="${t.auth.enrolQrLabel}">${unsafeRaw(v.enrol.qrSvg)}</figure>
<p><strong>${t.auth.enrolSecret}:</strong> <span class="mono" data-testid="totp-secret">${v.enrol.secretGrouped}</span></p>`
    : html`<p>${t.auth.totpIntro}</p>`
}
<form method="post" action="/admin/sign-in/two-factor" class="stack" novalidate>
${hiddenCsrf(v.csrf)}
${textField({ name: 'code', label: t.auth.totpCode, autocomplete: 'one-time-code', inputMode: 'numeric', required: true, maxLength: 8, error: v.error, autofocus: true })}
<div class="actions"><button type="submit">${v.enrol ? t.auth.enrolConfirm : t.auth.verify}</button></div>
</form>`;
}

export type LinkPurpose = 'first-admin' | 'setup' | 'reset';

export function linkView(
  t: Messages,
  v: {
    csrf: string;
    action: string;
    purpose: LinkPurpose;
    username: string | null;
    values: Record<string, string>;
    errors: FieldErrors;
  },
): SafeHtml {
  const labels = {
    username: t.staff.username,
    displayName: t.setup.displayName,
    password: t.setup.newPassword,
    confirm: t.setup.confirmPassword,
  };
  const title =
    v.purpose === 'first-admin'
      ? t.setup.firstAdminTitle
      : v.purpose === 'setup'
        ? t.setup.accountTitle
        : t.setup.resetTitle;
  const intro =
    v.purpose === 'first-admin'
      ? t.setup.firstAdminIntro
      : fill(v.purpose === 'setup' ? t.setup.accountIntro : t.setup.resetIntro, {
          username: v.username ?? '',
        });
  return html`<h1>${title}</h1>
<p>${intro}</p>
${errorSummary(t, v.errors, labels)}
<form method="post" action="${v.action}" class="stack" novalidate>
${hiddenCsrf(v.csrf)}
${
  v.purpose === 'first-admin'
    ? html`${textField({ name: 'username', label: labels.username, value: v.values.username, error: v.errors.username, hint: t.setup.usernameRules, autocomplete: 'username', required: true, maxLength: 40 })}
${textField({ name: 'displayName', label: labels.displayName, value: v.values.displayName, error: v.errors.displayName, autocomplete: 'name', required: true, maxLength: 100 })}`
    : html`<input type="hidden" name="username" value="${v.username ?? ''}" autocomplete="username">`
}
${textField({ name: 'password', label: labels.password, type: 'password', error: v.errors.password, hint: fill(t.setup.passwordRules, { min: MIN_PASSWORD_LENGTH }), autocomplete: 'new-password', required: true })}
${textField({ name: 'confirm', label: labels.confirm, type: 'password', error: v.errors.confirm, autocomplete: 'new-password', required: true })}
<div class="actions"><button type="submit">${v.purpose === 'first-admin' ? t.setup.create : t.setup.setPassword}</button></div>
</form>`;
}
