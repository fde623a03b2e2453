/** /admin/settings: the organisation's name and description in both languages (admins only, audited). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { tOf } from '../../platform/http/request.ts';
import {
  checkText,
  errorSummary,
  type FieldErrors,
  hiddenCsrf,
  textField,
} from '../../platform/views/forms.ts';
import { html } from '../../platform/views/html.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import type { SiteSettings } from './service.ts';

const FIELDS = { orgNameEn: 120, orgNameZh: 120, taglineEn: 300, taglineZh: 300 };
const LIMITS = { orgNameEn: 80, orgNameZh: 80, taglineEn: 200, taglineZh: 200 };
type Values = Record<keyof typeof FIELDS, string>;
const QUERY = { type: 'object', properties: { m: { type: 'string', maxLength: 20 } } } as const;

function valuesOf(s: SiteSettings): Values {
  return {
    orgNameEn: s.orgName.en,
    orgNameZh: s.orgName['zh-CN'],
    taglineEn: s.tagline.en,
    taglineZh: s.tagline['zh-CN'],
  };
}

export function registerSettingsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const render = (
    req: FastifyRequest,
    reply: FastifyReply,
    values: Values,
    errors: FieldErrors,
    flash?: Flash,
    status = 200,
  ) => {
    const t = tOf(req);
    const labels = {
      orgNameEn: t.settings.orgNameEn,
      orgNameZh: t.settings.orgNameZh,
      taglineEn: t.settings.taglineEn,
      taglineZh: t.settings.taglineZh,
    };
    const field = (name: keyof Values, required: boolean) =>
      textField({
        name,
        label: labels[name],
        value: values[name],
        error: errors[name],
        required,
        maxLength: LIMITS[name],
      });
    const main = html`<h1>${t.settings.title}</h1>
${flashBox(flash)}
${errorSummary(t, errors, labels)}
<form method="post" action="/admin/settings" class="stack" novalidate>
${hiddenCsrf(ctx.csrf.token(req, reply))}
${field('orgNameZh', true)}
${field('orgNameEn', true)}
${field('taglineZh', false)}
${field('taglineEn', false)}
<div class="actions"><button type="submit">${t.common.save}</button></div>
</form>`;
    return ctx.pages.admin(req, reply, t.settings.title, main, status);
  };

  app.get<{ Querystring: { m?: string } }>(
    '/admin/settings',
    { config: { access: ['admin'] }, schema: { querystring: QUERY } },
    (req, reply) => {
      const flash: Flash | undefined =
        req.query.m === 'saved' ? { kind: 'ok', text: tOf(req).settings.saved } : undefined;
      return render(req, reply, valuesOf(ctx.settings.site), {}, flash);
    },
  );

  app.post(
    '/admin/settings',
    { config: { access: ['admin'] }, schema: { body: formBodySchema(FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const t = tOf(req);
      const form = readForm(req.body, FIELDS, req.validationError !== undefined);
      const v = form.values as Values;
      const errors: FieldErrors = {};
      for (const name of Object.keys(LIMITS) as (keyof Values)[]) {
        const problem = checkText(t, v[name], { required: name.startsWith('orgName'), max: LIMITS[name] });
        if (problem) errors[name] = problem;
      }
      if (form.truncated) errors._form = t.forms.requestTooLong;
      if (Object.keys(errors).length > 0) return render(req, reply, v, errors, undefined, 400);
      await ctx.settings.update(
        { id: req.staff!.id, label: req.staff!.username },
        {
          orgName: { en: v.orgNameEn.trim(), 'zh-CN': v.orgNameZh.trim() },
          tagline: { en: v.taglineEn.trim(), 'zh-CN': v.taglineZh.trim() },
        },
      );
      return reply.redirect('/admin/settings?m=saved', 303);
    },
  );
}
