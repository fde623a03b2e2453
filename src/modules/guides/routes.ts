/**
 * Public guides (/guides, /guides/<slug>), rendered once per language and served from the page
 * cache, and the editors' back office (/admin/guides).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf, pathOf, tOf } from '../../platform/http/request.ts';
import {
  checkText,
  errorSummary,
  type FieldErrors,
  hiddenCsrf,
  textField,
} from '../../platform/views/forms.ts';
import { html } from '../../platform/views/html.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import { cleanText, formatDate, textArea } from '../law/forms.ts';
import { guideMessages } from './messages.ts';
import {
  GUIDE_LIMITS,
  GUIDE_SLUG_PATTERN,
  type Guide,
  type GuidesService,
  guideUrl,
  TOPIC_PATTERN,
} from './service.ts';
import { audienceName, guidesIndexView, guideView } from './views.ts';

const PARAMS = {
  type: 'object',
  properties: { slug: { type: 'string', pattern: GUIDE_SLUG_PATTERN, maxLength: 80 } },
  required: ['slug'],
} as const;
const MESSAGE_QUERY = { type: 'object', properties: { m: { type: 'string', maxLength: 20 } } } as const;
type Params = { slug: string };

const LIST_MAX = GUIDE_LIMITS.items * (GUIDE_LIMITS.item + 2);
const FIELDS = {
  titleZh: GUIDE_LIMITS.title + 40,
  titleEn: GUIDE_LIMITS.title + 40,
  introZh: GUIDE_LIMITS.intro + 200,
  introEn: GUIDE_LIMITS.intro + 200,
  redFlagsZh: LIST_MAX + 200,
  redFlagsEn: LIST_MAX + 200,
  whatToDoZh: LIST_MAX + 200,
  whatToDoEn: LIST_MAX + 200,
  reportTopic: 60,
  updatedAt: 20,
};
type Values = Record<keyof typeof FIELDS, string>;

function valuesOf(g: Guide): Values {
  return {
    titleZh: g.title['zh-CN'],
    titleEn: g.title.en,
    introZh: g.intro['zh-CN'],
    introEn: g.intro.en,
    redFlagsZh: g.redFlags['zh-CN'].join('\n'),
    redFlagsEn: g.redFlags.en.join('\n'),
    whatToDoZh: g.whatToDo['zh-CN'].join('\n'),
    whatToDoEn: g.whatToDo.en.join('\n'),
    reportTopic: g.reportTopic,
    updatedAt: String(g.updatedAt),
  };
}

/** A textarea of one item per line: blank lines dropped, each line trimmed. */
function lines(value: string): string[] {
  return value
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

export function registerGuideRoutes(app: FastifyInstance, ctx: AppContext, service: GuidesService): void {
  const chrome = (req: FastifyRequest) => {
    const lang = langOf(req);
    return { lang, siteName: ctx.settings.site.orgName[lang], path: pathOf(req) };
  };

  app.get('/guides', { config: { access: 'public' } }, async (req, reply) => {
    const snap = await service.snapshot();
    const c = chrome(req);
    return ctx.pageCache.send(req, reply, `guides:index:${c.lang}`, () => guidesIndexView(c, snap.guides));
  });

  app.get<{ Params: Params }>(
    '/guides/:slug',
    { config: { access: 'public' }, schema: { params: PARAMS } },
    async (req, reply) => {
      const snap = await service.snapshot();
      const guide = snap.bySlug.get(req.params.slug);
      if (!guide) return sendErrorPage(ctx.pages, req, reply, 404);
      const c = chrome(req);
      return ctx.pageCache.send(req, reply, `guides:${guide.slug}:${c.lang}`, () =>
        guideView(c, guide, snap.guides),
      );
    },
  );

  registerGuideAdminRoutes(app, ctx, service);
}

function registerGuideAdminRoutes(app: FastifyInstance, ctx: AppContext, service: GuidesService): void {
  const access = ['editor', 'admin'] as const;

  app.get('/admin/guides', { config: { access } }, async (req, reply) => {
    const lang = langOf(req);
    const m = guideMessages(lang);
    const { guides } = await service.snapshot();
    const main = html`<h1>${m.adminTitle}</h1>
<p>${m.adminIntro}</p>
${
  guides.length === 0
    ? html`<p>${m.noGuides}</p>`
    : html`<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">${m.guide}</th><th scope="col">${m.audience}</th><th scope="col">${m.fieldReportTopic}</th><th scope="col">${m.lastUpdated}</th><th scope="col">${m.edit}</th></tr></thead>
<tbody>${guides.map(
        (g) =>
          html`<tr><td data-label="${m.guide}">${g.title[lang]}</td><td data-label="${m.audience}">${audienceName(lang, g.audience)}</td><td data-label="${m.fieldReportTopic}" class="mono">${g.reportTopic}</td><td data-label="${m.lastUpdated}">${formatDate(g.updatedAt)}</td><td data-label="${m.edit}"><a href="/admin/guides/${g.slug}" aria-label="${m.edit}: ${g.title[lang]}">${m.edit}</a></td></tr>`,
      )}</tbody></table></div>`
}`;
    return ctx.pages.admin(req, reply, m.adminTitle, main);
  });

  const renderEdit = (
    req: FastifyRequest,
    reply: FastifyReply,
    guide: Guide,
    values: Values,
    errors: FieldErrors,
    flash?: Flash,
    status = 200,
  ) => {
    const lang = langOf(req);
    const t = tOf(req);
    const m = guideMessages(lang);
    const labels: Record<string, string> = {
      titleZh: m.fieldTitleZh,
      titleEn: m.fieldTitleEn,
      introZh: m.fieldIntroZh,
      introEn: m.fieldIntroEn,
      redFlagsZh: m.fieldRedFlagsZh,
      redFlagsEn: m.fieldRedFlagsEn,
      whatToDoZh: m.fieldWhatToDoZh,
      whatToDoEn: m.fieldWhatToDoEn,
      reportTopic: m.fieldReportTopic,
    };
    const listHint = fill(m.listHint, { max: GUIDE_LIMITS.items });
    const area = (name: keyof Values, rows: number, hint?: string) =>
      textArea({
        name,
        label: labels[name]!,
        value: values[name],
        error: errors[name],
        rows,
        required: true,
        lang: name.endsWith('Zh') ? 'zh-CN' : 'en',
        ...(hint ? { hint } : {}),
      });
    const title = fill(m.editTitle, { title: guide.title[lang] });
    const main = html`<p class="breadcrumbs"><a href="/admin/guides">${m.adminTitle}</a></p>
<h1>${title}</h1>
<p>${fill(guideMessages(lang).forAudience, { audience: audienceName(lang, guide.audience) })} · <a href="${guideUrl(guide)}">${m.viewPublic}</a></p>
${flashBox(flash)}
${errorSummary(t, errors, labels)}
<form method="post" action="/admin/guides/${guide.slug}" class="stack" novalidate>
${hiddenCsrf(ctx.csrf.token(req, reply))}
<input type="hidden" name="updatedAt" value="${values.updatedAt}">
${textField({ name: 'titleZh', label: m.fieldTitleZh, value: values.titleZh, error: errors.titleZh, required: true, maxLength: GUIDE_LIMITS.title })}
${textField({ name: 'titleEn', label: m.fieldTitleEn, value: values.titleEn, error: errors.titleEn, required: true, maxLength: GUIDE_LIMITS.title })}
${area('introZh', 4)}
${area('introEn', 4)}
${area('redFlagsZh', 7, listHint)}
${area('redFlagsEn', 7, listHint)}
${area('whatToDoZh', 7, listHint)}
${area('whatToDoEn', 7, listHint)}
${textField({ name: 'reportTopic', label: m.fieldReportTopic, value: values.reportTopic, error: errors.reportTopic, hint: m.topicHint, required: true, maxLength: 40 })}
<div class="actions"><button type="submit">${t.common.save}</button></div>
</form>`;
    return ctx.pages.admin(req, reply, title, main, status);
  };

  app.get<{ Params: Params; Querystring: { m?: string } }>(
    '/admin/guides/:slug',
    { config: { access }, schema: { params: PARAMS, querystring: MESSAGE_QUERY } },
    async (req, reply) => {
      const guide = await service.get(req.params.slug);
      if (!guide) return sendErrorPage(ctx.pages, req, reply, 404);
      const flash: Flash | undefined =
        req.query.m === 'saved' ? { kind: 'ok', text: guideMessages(langOf(req)).saved } : undefined;
      return renderEdit(req, reply, guide, valuesOf(guide), {}, flash);
    },
  );

  app.post<{ Params: Params }>(
    '/admin/guides/:slug',
    {
      config: { access },
      schema: { params: PARAMS, body: formBodySchema(FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const t = tOf(req);
      const m = guideMessages(langOf(req));
      const guide = await service.get(req.params.slug);
      if (!guide) return sendErrorPage(ctx.pages, req, reply, 404);
      const form = readForm(req.body, FIELDS, req.validationError !== undefined);
      const v = form.values as Values;
      const errors: FieldErrors = {};
      const text = (name: keyof Values, max: number) => {
        const value = name.startsWith('intro') ? cleanText(v[name]) : v[name].trim();
        const problem = checkText(t, value, { required: true, max });
        if (problem) errors[name] = problem;
        return value;
      };
      const items = (name: keyof Values) => {
        const out = lines(v[name]);
        if (out.length === 0) errors[name] = t.forms.required;
        else if (out.length > GUIDE_LIMITS.items)
          errors[name] = fill(m.tooManyItems, { max: GUIDE_LIMITS.items });
        else if (out.some((l) => l.length > GUIDE_LIMITS.item))
          errors[name] = fill(m.itemTooLong, { max: GUIDE_LIMITS.item });
        return out;
      };
      const edit = {
        title: { 'zh-CN': text('titleZh', GUIDE_LIMITS.title), en: text('titleEn', GUIDE_LIMITS.title) },
        intro: { 'zh-CN': text('introZh', GUIDE_LIMITS.intro), en: text('introEn', GUIDE_LIMITS.intro) },
        redFlags: { 'zh-CN': items('redFlagsZh'), en: items('redFlagsEn') },
        whatToDo: { 'zh-CN': items('whatToDoZh'), en: items('whatToDoEn') },
        reportTopic: v.reportTopic.trim(),
      };
      if (!edit.reportTopic) errors.reportTopic = t.forms.required;
      else if (!TOPIC_PATTERN.test(edit.reportTopic)) errors.reportTopic = m.topicInvalid;
      const expected = /^\d{1,16}$/.test(v.updatedAt.trim()) ? Number(v.updatedAt.trim()) : Number.NaN;
      if (!Number.isSafeInteger(expected)) errors._form = t.forms.invalid;
      if (form.truncated) errors._form = t.forms.requestTooLong;
      if (Object.keys(errors).length > 0) return renderEdit(req, reply, guide, v, errors, undefined, 400);
      const result = await service.update(
        { id: req.staff!.id, label: req.staff!.username },
        guide.slug,
        edit,
        expected,
      );
      if (!result.ok && result.reason === 'not-found') return sendErrorPage(ctx.pages, req, reply, 404);
      if (!result.ok) {
        const latest = (await service.get(guide.slug)) ?? guide;
        return renderEdit(
          req,
          reply,
          latest,
          { ...v, updatedAt: String(latest.updatedAt) },
          {},
          { kind: 'error', text: m.stale },
          409,
        );
      }
      return reply.redirect(`/admin/guides/${guide.slug}?m=saved`, 303);
    },
  );
}
