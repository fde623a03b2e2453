/**
 * Public pages of the law explainer (/law, /law/<law>, /law/<law>/<article>), rendered once per
 * language and served from the page cache, and the editors' back office (/admin/law).
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
import { cleanText, formatDate, textArea } from './forms.ts';
import { lawMessages, ordinal } from './messages.ts';
import {
  ARTICLE_LIMITS,
  articleHeading,
  articleUrl,
  type LawArticle,
  type LawService,
  SLUG_PATTERN,
} from './service.ts';
import { articleView, lawIndexView, lawView } from './views.ts';

const SLUG = { type: 'string', pattern: SLUG_PATTERN, maxLength: 80 } as const;
const LAW_PARAMS = { type: 'object', properties: { law: SLUG }, required: ['law'] } as const;
const ARTICLE_PARAMS = {
  type: 'object',
  properties: { law: SLUG, article: SLUG },
  required: ['law', 'article'],
} as const;
const MESSAGE_QUERY = { type: 'object', properties: { m: { type: 'string', maxLength: 20 } } } as const;

type LawParams = { law: string };
type ArticleParams = { law: string; article: string };

const FIELDS = {
  titleZh: ARTICLE_LIMITS.title + 40,
  titleEn: ARTICLE_LIMITS.title + 40,
  textZh: ARTICLE_LIMITS.text + 200,
  textEn: ARTICLE_LIMITS.text + 200,
  noteZh: ARTICLE_LIMITS.note + 200,
  noteEn: ARTICLE_LIMITS.note + 200,
  updatedAt: 20,
};
type Values = Record<keyof typeof FIELDS, string>;

function valuesOf(a: LawArticle): Values {
  return {
    titleZh: a.title['zh-CN'],
    titleEn: a.title.en,
    textZh: a.text['zh-CN'],
    textEn: a.text.en,
    noteZh: a.note['zh-CN'],
    noteEn: a.note.en,
    updatedAt: String(a.updatedAt),
  };
}

export function registerLawRoutes(app: FastifyInstance, ctx: AppContext, service: LawService): void {
  const chrome = (req: FastifyRequest) => {
    const lang = langOf(req);
    return { lang, siteName: ctx.settings.site.orgName[lang], path: pathOf(req) };
  };

  app.get('/law', { config: { access: 'public' } }, async (req, reply) => {
    const snap = await service.snapshot();
    const c = chrome(req);
    return ctx.pageCache.send(req, reply, `law:index:${c.lang}`, () => lawIndexView(c, snap.laws));
  });

  app.get<{ Params: LawParams }>(
    '/law/:law',
    { config: { access: 'public' }, schema: { params: LAW_PARAMS } },
    async (req, reply) => {
      const entry = (await service.snapshot()).bySlug.get(req.params.law);
      if (!entry) return sendErrorPage(ctx.pages, req, reply, 404);
      const c = chrome(req);
      return ctx.pageCache.send(req, reply, `law:${entry.law.slug}:${c.lang}`, () => lawView(c, entry));
    },
  );

  app.get<{ Params: ArticleParams }>(
    '/law/:law/:article',
    { config: { access: 'public' }, schema: { params: ARTICLE_PARAMS } },
    async (req, reply) => {
      const found = await service.find(req.params.law, req.params.article);
      if (!found) return sendErrorPage(ctx.pages, req, reply, 404);
      const c = chrome(req);
      const a = found.entry.articles[found.index]!;
      return ctx.pageCache.send(req, reply, `law:${a.lawSlug}/${a.slug}:${c.lang}`, () =>
        articleView(c, found.entry, found.index),
      );
    },
  );

  registerLawAdminRoutes(app, ctx, service);
}

function registerLawAdminRoutes(app: FastifyInstance, ctx: AppContext, service: LawService): void {
  const access = ['editor', 'admin'] as const;

  app.get('/admin/law', { config: { access } }, async (req, reply) => {
    const lang = langOf(req);
    const m = lawMessages(lang);
    const snap = await service.snapshot();
    const main = html`<h1>${m.adminTitle}</h1>
<p>${m.adminIntro}</p>
${snap.laws.length === 0 ? html`<p>${m.noLaws}</p>` : ''}
${snap.laws.map(
  (e) => html`<h2>${e.law.title[lang]}</h2>
<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">#</th><th scope="col">${m.heading}</th><th scope="col">${m.lastUpdated}</th><th scope="col">${m.edit}</th></tr></thead>
<tbody>${e.articles.map(
    (a) =>
      html`<tr><td data-label="#">${fill(m.article, { n: ordinal(lang, a.articleNo) })}</td><td data-label="${m.heading}">${a.title[lang]}</td><td data-label="${m.lastUpdated}">${formatDate(a.updatedAt)}</td><td data-label="${m.edit}"><a href="/admin/law/${a.lawSlug}/${a.slug}" aria-label="${m.edit}: ${articleHeading(lang, a)}">${m.edit}</a></td></tr>`,
  )}</tbody></table></div>`,
)}`;
    return ctx.pages.admin(req, reply, m.adminTitle, main);
  });

  const renderEdit = (
    req: FastifyRequest,
    reply: FastifyReply,
    article: LawArticle,
    values: Values,
    errors: FieldErrors,
    flash?: Flash,
    status = 200,
  ) => {
    const lang = langOf(req);
    const t = tOf(req);
    const m = lawMessages(lang);
    const heading = articleHeading(lang, article);
    const labels: Record<string, string> = {
      titleZh: m.fieldTitleZh,
      titleEn: m.fieldTitleEn,
      textZh: m.fieldTextZh,
      textEn: m.fieldTextEn,
      noteZh: m.fieldNoteZh,
      noteEn: m.fieldNoteEn,
    };
    const area = (name: 'textZh' | 'textEn' | 'noteZh' | 'noteEn', rows: number) =>
      textArea({
        name,
        label: labels[name]!,
        value: values[name],
        error: errors[name],
        rows,
        required: true,
        maxLength: name.startsWith('text') ? ARTICLE_LIMITS.text : ARTICLE_LIMITS.note,
        lang: name.endsWith('Zh') ? 'zh-CN' : 'en',
        ...(name.startsWith('note') ? { hint: m.noteHint } : {}),
      });
    const title = fill(m.editTitle, { article: heading });
    const main = html`<p class="breadcrumbs"><a href="/admin/law">${m.adminTitle}</a></p>
<h1>${title}</h1>
<p><a href="${articleUrl(article)}">${m.viewPublic}</a></p>
${flashBox(flash)}
${errorSummary(t, errors, labels)}
<form method="post" action="/admin/law/${article.lawSlug}/${article.slug}" class="stack" novalidate>
${hiddenCsrf(ctx.csrf.token(req, reply))}
<input type="hidden" name="updatedAt" value="${values.updatedAt}">
${textField({ name: 'titleZh', label: m.fieldTitleZh, value: values.titleZh, error: errors.titleZh, maxLength: ARTICLE_LIMITS.title })}
${textField({ name: 'titleEn', label: m.fieldTitleEn, value: values.titleEn, error: errors.titleEn, maxLength: ARTICLE_LIMITS.title })}
${area('textZh', 8)}
${area('textEn', 8)}
${area('noteZh', 6)}
${area('noteEn', 6)}
<div class="actions"><button type="submit">${t.common.save}</button></div>
</form>`;
    return ctx.pages.admin(req, reply, title, main, status);
  };

  app.get<{ Params: ArticleParams; Querystring: { m?: string } }>(
    '/admin/law/:law/:article',
    { config: { access }, schema: { params: ARTICLE_PARAMS, querystring: MESSAGE_QUERY } },
    async (req, reply) => {
      const article = await service.loadArticle(req.params.law, req.params.article);
      if (!article) return sendErrorPage(ctx.pages, req, reply, 404);
      const flash: Flash | undefined =
        req.query.m === 'saved' ? { kind: 'ok', text: lawMessages(langOf(req)).saved } : undefined;
      return renderEdit(req, reply, article, valuesOf(article), {}, flash);
    },
  );

  app.post<{ Params: ArticleParams }>(
    '/admin/law/:law/:article',
    {
      config: { access },
      schema: { params: ARTICLE_PARAMS, body: formBodySchema(FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const t = tOf(req);
      const m = lawMessages(langOf(req));
      const article = await service.loadArticle(req.params.law, req.params.article);
      if (!article) return sendErrorPage(ctx.pages, req, reply, 404);
      const form = readForm(req.body, FIELDS, req.validationError !== undefined);
      const v = form.values as Values;
      const clean: Values = {
        titleZh: v.titleZh.trim(),
        titleEn: v.titleEn.trim(),
        textZh: cleanText(v.textZh),
        textEn: cleanText(v.textEn),
        noteZh: cleanText(v.noteZh),
        noteEn: cleanText(v.noteEn),
        updatedAt: v.updatedAt.trim(),
      };
      const errors: FieldErrors = {};
      const check = (name: keyof Values, required: boolean, max: number) => {
        const problem = checkText(t, clean[name], { required, max });
        if (problem) errors[name] = problem;
      };
      check('titleZh', false, ARTICLE_LIMITS.title);
      check('titleEn', false, ARTICLE_LIMITS.title);
      check('textZh', true, ARTICLE_LIMITS.text);
      check('textEn', true, ARTICLE_LIMITS.text);
      check('noteZh', true, ARTICLE_LIMITS.note);
      check('noteEn', true, ARTICLE_LIMITS.note);
      const expected = /^\d{1,16}$/.test(clean.updatedAt) ? Number(clean.updatedAt) : Number.NaN;
      if (!Number.isSafeInteger(expected)) errors._form = t.forms.invalid;
      if (form.truncated) errors._form = t.forms.requestTooLong;
      // What the person typed is shown back exactly as they typed it (within the field limits).
      if (Object.keys(errors).length > 0) return renderEdit(req, reply, article, v, errors, undefined, 400);
      const result = await service.updateArticle(
        { id: req.staff!.id, label: req.staff!.username },
        article.lawSlug,
        article.slug,
        {
          title: { en: clean.titleEn, 'zh-CN': clean.titleZh },
          text: { en: clean.textEn, 'zh-CN': clean.textZh },
          note: { en: clean.noteEn, 'zh-CN': clean.noteZh },
        },
        expected,
      );
      if (!result.ok && result.reason === 'not-found') return sendErrorPage(ctx.pages, req, reply, 404);
      if (!result.ok) {
        const latest = (await service.loadArticle(article.lawSlug, article.slug)) ?? article;
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
      return reply.redirect(`/admin/law/${article.lawSlug}/${article.slug}?m=saved`, 303);
    },
  );
}
