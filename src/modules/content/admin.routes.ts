/**
 * /admin/posts...: the editors' and reviewers' back office, and /admin/banner. Thin: read the form,
 * call the service, render. Bad input gets a 4xx with what was typed kept; never a 5xx.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf, type StaffIdentity, tOf } from '../../platform/http/request.ts';
import type { FieldErrors } from '../../platform/views/forms.ts';
import { fill, isLang, type Lang } from '../../platform/views/i18n/index.ts';
import type { Flash } from '../../platform/views/layout.ts';
import {
  bannerView,
  diffView,
  type EditorOptions,
  editPageView,
  historyView,
  newPageView,
  postListView,
  previewView,
  STATUS_FILTERS,
  type WorkflowView,
} from './admin.views.ts';
import { diffText } from './diff.ts';
import { type ContentMessages, contentMessages } from './messages.ts';
import { postArticle } from './public.views.ts';
import type { AdminStatusFilter } from './repository.ts';
import {
  type ContentProblem,
  type ContentService,
  type DraftFields,
  formatUtcInput,
  LIMITS,
  type Outcome,
  parseTagsJson,
  pathOf,
  type Refusal,
} from './service.ts';
import { MAX_TAGS } from './slugs.ts';

const EDITORS = { access: ['editor', 'admin'] } as const;
const REVIEWERS = { access: ['reviewer'] } as const;
const READERS = { access: ['editor', 'reviewer', 'admin'] } as const;
const BANNER_ACCESS = { access: ['editor', 'admin'] } as const;

/** Posts can be long (100,000 characters of Chinese is about 900 KB URL-encoded). */
const POST_BODY_LIMIT = 2 * 1024 * 1024;

/** What the parser accepts per field; longer is cut and reported, and nothing is saved. */
const DRAFT_FIELDS = {
  title: 1000,
  summary: 2000,
  bodyMd: 200_000,
  slug: 400,
  lang: 10,
  kind: 10,
  translationOf: 40,
  tags: 2000,
  series: 400,
  reportTopic: 400,
  coverMediaId: 100,
  videoMediaId: 100,
  pinned: 5,
  publishAt: 40,
  version: 12,
};
const ACTION_FIELDS = { version: 12, note: 4000 };
const BANNER_FIELDS = { en: 1000, zh: 1000, link: 1000, active: 5 };

const ID_PARAMS = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
  },
  required: ['id'],
} as const;
const LIST_QUERY = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: [...STATUS_FILTERS] },
    lang: { type: 'string', enum: ['', 'en', 'zh-CN'] },
    page: { type: 'integer', minimum: 1, maximum: 10_000 },
  },
} as const;
const MESSAGE_QUERY = { type: 'object', properties: { m: { type: 'string', maxLength: 20 } } } as const;
const PREVIEW_QUERY = {
  type: 'object',
  properties: { rev: { type: 'integer', minimum: 1, maximum: 1_000_000 } },
} as const;
const DIFF_QUERY = {
  type: 'object',
  properties: {
    from: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    to: { type: 'integer', minimum: 1, maximum: 1_000_000 },
  },
  required: ['from', 'to'],
} as const;

const PER_PAGE = 30;

const actorOf = (staff: StaffIdentity): Actor => ({ id: staff.id, label: staff.username });
const hasRole = (req: FastifyRequest, ...roles: string[]) =>
  req.staff?.roles.some((r) => roles.includes(r)) ?? false;

function versionOf(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : -1;
}

function fieldsOf(values: Record<string, string>): DraftFields {
  return {
    title: values.title ?? '',
    summary: values.summary ?? '',
    bodyMd: values.bodyMd ?? '',
    slug: values.slug ?? '',
    lang: values.lang ?? '',
    kind: values.kind ?? '',
    translationOf: values.translationOf ?? '',
    tags: values.tags ?? '',
    series: values.series ?? '',
    reportTopic: values.reportTopic ?? '',
    coverMediaId: values.coverMediaId ?? '',
    videoMediaId: values.videoMediaId ?? '',
    pinned: values.pinned === '1' || values.pinned === 'on',
    publishAt: values.publishAt ?? '',
  };
}

const FIELD_MAX: Record<string, number> = {
  title: LIMITS.title,
  summary: LIMITS.summary,
  bodyMd: LIMITS.bodyMd,
  slug: LIMITS.slug,
  tags: LIMITS.tags,
  series: LIMITS.series,
  reportTopic: LIMITS.reportTopic,
  note: LIMITS.note,
  en: LIMITS.bannerText,
  zh: LIMITS.bannerText,
  link: LIMITS.bannerLink,
};

export function problemsToErrors(m: ContentMessages, problems: Record<string, ContentProblem>): FieldErrors {
  const out: FieldErrors = {};
  for (const [field, p] of Object.entries(problems)) {
    out[field] =
      p === 'tooLong'
        ? fill(m.problems.tooLong, { max: FIELD_MAX[field] ?? 0 })
        : p === 'tooManyTags'
          ? fill(m.problems.tooManyTags, { max: MAX_TAGS })
          : m.problems[p];
  }
  return out;
}

function refusalText(m: ContentMessages, r: Refusal): string {
  switch (r) {
    case 'ownPost':
      return m.workflow.ownPost;
    case 'wrongState':
      return m.workflow.wrongState;
    case 'nothingToPublish':
      return m.workflow.nothingToPublish;
    default:
      return m.workflow.stale;
  }
}

type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: { m?: string } }>;

interface EditRender {
  values?: DraftFields;
  errors?: FieldErrors;
  flash?: Flash;
  noteValue?: string;
  noteError?: string;
}

export function registerContentAdminRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  service: ContentService,
): void {
  const { pages, csrf } = ctx;
  const repo = service.repo;

  const mediaOptions = async (lang: Lang) => {
    const label = (r: { id: string; alt_en: string; alt_zh: string }) => {
      const alt = lang === 'en' ? r.alt_en || r.alt_zh : r.alt_zh || r.alt_en;
      return alt ? `${alt} (${r.id.slice(0, 8)})` : r.id;
    };
    const [images, videos] = await Promise.all([repo.listMedia('image'), repo.listMedia('video')]);
    return {
      images: images.map((r) => ({ value: r.id, label: label(r) })),
      videos: videos.map((r) => ({ value: r.id, label: label(r) })),
    };
  };

  const translationOptions = async (
    otherThan: Lang | undefined,
    excludeId: string | undefined,
    m: ContentMessages,
  ) =>
    (await repo.translationCandidates(otherThan, excludeId)).map((c) => ({
      value: c.id,
      label: `${c.title} (${m.langName[c.lang]}, ${c.slug})`,
    }));

  const editorOptions = async (
    req: FastifyRequest,
    reply: FastifyReply,
    values: DraftFields,
    errors: FieldErrors,
    extra: { postId?: string; version?: number; locked: boolean },
  ): Promise<EditorOptions> => {
    const m = contentMessages(langOf(req));
    const postLang: Lang = isLang(values.lang) ? values.lang : langOf(req);
    return {
      csrf: csrf.token(req, reply),
      values,
      errors,
      ...extra,
      translations: await translationOptions(extra.locked ? postLang : undefined, extra.postId, m),
      ...(await mediaOptions(langOf(req))),
    };
  };

  const flashFor = (req: IdRequest, m: ContentMessages, currentN: number, publishAt: number | null) => {
    const ok = (text: string): Flash => ({ kind: 'ok', text });
    switch (req.query.m) {
      case 'created':
        return ok(m.form.created);
      case 'saved':
        return ok(fill(m.form.saved, { n: currentN }));
      case 'reset':
        return ok(m.form.savedReviewReset);
      case 'placement':
        return ok(m.form.savedPlacement);
      case 'unchanged':
        return { kind: 'info', text: m.form.unchanged } as Flash;
      case 'submitted':
        return ok(m.workflow.submitted);
      case 'approved':
        return ok(m.workflow.approved);
      case 'scheduled':
        return ok(
          fill(m.workflow.approvedScheduled, {
            date:
              publishAt === null
                ? ''
                : `${new Date(publishAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
          }),
        );
      case 'changes':
        return ok(m.workflow.changesRequested);
      case 'unpublished':
        return ok(m.workflow.unpublished);
      default:
        return undefined;
    }
  };

  const renderEdit = async (req: IdRequest, reply: FastifyReply, r: EditRender = {}, status = 200) => {
    const lang = langOf(req);
    const t = tOf(req);
    const m = contentMessages(lang);
    const post = await repo.findPost(req.params.id);
    if (!post) return sendErrorPage(pages, req, reply, 404);
    const current = await repo.findRevision(post.current_revision_id);
    if (!current) return sendErrorPage(pages, req, reply, 404);
    const live = post.published_revision_id ? await repo.findRevision(post.published_revision_id) : undefined;
    const names = await repo.staffNames([post.submitted_by, post.reviewed_by]);
    const nameOf = (id: string | null) => (id ? (names.get(id) ?? id) : '');
    const canEdit = hasRole(req, 'editor', 'admin');
    const workflow: WorkflowView = {
      postId: post.id,
      version: post.version,
      csrf: csrf.token(req, reply),
      status: post.status,
      reviewState: post.review_state,
      liveRevision: live ? { n: live.n, since: post.published_at ?? live.created_at } : undefined,
      currentRevision: current.n,
      submitted:
        post.submitted_by && post.submitted_at
          ? { name: nameOf(post.submitted_by), at: post.submitted_at }
          : undefined,
      reviewed:
        post.reviewed_by && post.reviewed_at
          ? { name: nameOf(post.reviewed_by), at: post.reviewed_at }
          : undefined,
      reviewNote: post.review_note,
      publishAt: post.publish_at,
      livePath: pathOf(post.kind, post.slug),
      canEdit,
      canReview: hasRole(req, 'reviewer'),
      canUnpublish: hasRole(req, 'editor', 'reviewer', 'admin'),
      now: ctx.now(),
      noteValue: r.noteValue,
      noteError: r.noteError,
    };
    let editor: EditorOptions | undefined;
    if (canEdit) {
      const linked = (await repo.groupMembers(post.translation_group)).find(
        (x) => x.id !== post.id && x.lang !== post.lang,
      );
      const values: DraftFields = r.values ?? {
        title: current.title,
        summary: current.summary,
        bodyMd: current.body_md,
        slug: post.slug,
        lang: post.lang,
        kind: post.kind,
        translationOf: linked?.id ?? '',
        tags: parseTagsJson(current.tags).join(', '),
        series: current.series ?? '',
        reportTopic: current.report_topic ?? '',
        coverMediaId: current.cover_media_id ?? '',
        videoMediaId: current.video_media_id ?? '',
        pinned: post.pinned === 1,
        publishAt: formatUtcInput(post.publish_at),
      };
      editor = await editorOptions(req, reply, values, r.errors ?? {}, {
        postId: post.id,
        version: post.version,
        locked: post.first_published_at !== null,
      });
    }
    const flash = r.flash ?? flashFor(req, m, current.n, post.publish_at);
    const view = editPageView(t, m, lang, { title: current.title, flash, workflow, editor });
    return pages.admin(req, reply, fill(m.form.editTitle, { title: current.title }), view, status);
  };

  /** The answer to a refused or invalid workflow step: the post page again, with why. */
  const refused = (
    req: IdRequest,
    reply: FastifyReply,
    outcome: Exclude<Outcome, { ok: true }>,
    note?: string,
  ) => {
    const m = contentMessages(langOf(req));
    if ('problems' in outcome) {
      const errors = problemsToErrors(m, outcome.problems);
      return renderEdit(req, reply, { noteValue: note, noteError: errors.note }, 400);
    }
    if (outcome.refused === 'notFound') return sendErrorPage(pages, req, reply, 404);
    const status = outcome.refused === 'ownPost' ? 403 : 409;
    return renderEdit(
      req,
      reply,
      { flash: { kind: 'error', text: refusalText(m, outcome.refused) }, noteValue: note },
      status,
    );
  };

  // ---- list and create ----

  app.get<{ Querystring: { status?: AdminStatusFilter; lang?: Lang | ''; page?: number } }>(
    '/admin/posts',
    { config: READERS, schema: { querystring: LIST_QUERY } },
    async (req, reply) => {
      const lang = langOf(req);
      const m = contentMessages(lang);
      const status = req.query.status ?? 'all';
      const filterLang = req.query.lang ?? '';
      const page = req.query.page ?? 1;
      const rows = await repo.listForAdmin({
        status,
        lang: filterLang || undefined,
        limit: PER_PAGE + 1,
        offset: (page - 1) * PER_PAGE,
      });
      const view = postListView(tOf(req), m, lang, {
        items: rows.slice(0, PER_PAGE),
        status,
        filterLang,
        page,
        hasMore: rows.length > PER_PAGE,
        canCreate: hasRole(req, 'editor', 'admin'),
      });
      return pages.admin(req, reply, m.admin.listTitle, view);
    },
  );

  app.get('/admin/posts/new', { config: EDITORS }, async (req, reply) => {
    const lang = langOf(req);
    const m = contentMessages(lang);
    const values = fieldsOf({ lang, kind: 'post' });
    const options = await editorOptions(req, reply, values, {}, { locked: false });
    return pages.admin(req, reply, m.form.newTitle, newPageView(tOf(req), m, options));
  });

  app.post(
    '/admin/posts',
    {
      config: EDITORS,
      bodyLimit: POST_BODY_LIMIT,
      schema: { body: formBodySchema(DRAFT_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const lang = langOf(req);
      const t = tOf(req);
      const m = contentMessages(lang);
      const form = readForm(req.body, DRAFT_FIELDS, req.validationError !== undefined);
      const values = fieldsOf(form.values);
      let errors: FieldErrors = {};
      if (!form.truncated) {
        const outcome = await service.createDraft(actorOf(req.staff!), values);
        if (outcome.ok) return reply.redirect(`/admin/posts/${outcome.id}?m=created`, 303);
        if ('problems' in outcome) errors = problemsToErrors(m, outcome.problems);
      } else {
        errors._form = t.forms.requestTooLong;
      }
      const options = await editorOptions(req, reply, values, errors, { locked: false });
      return pages.admin(req, reply, m.form.newTitle, newPageView(t, m, options), 400);
    },
  );

  // ---- one post ----

  app.get<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/posts/:id',
    { config: READERS, schema: { params: ID_PARAMS, querystring: MESSAGE_QUERY } },
    (req, reply) => renderEdit(req, reply),
  );

  app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
    '/admin/posts/:id',
    {
      config: EDITORS,
      bodyLimit: POST_BODY_LIMIT,
      schema: { params: ID_PARAMS, body: formBodySchema(DRAFT_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const t = tOf(req);
      const m = contentMessages(langOf(req));
      const form = readForm(req.body, DRAFT_FIELDS, req.validationError !== undefined);
      const values = fieldsOf(form.values);
      if (form.truncated)
        return renderEdit(req, reply, { values, errors: { _form: t.forms.requestTooLong } }, 400);
      const outcome = await service.saveDraft(
        actorOf(req.staff!),
        req.params.id,
        versionOf(form.values.version),
        values,
      );
      if (outcome.ok) {
        const flag = !outcome.changed
          ? 'unchanged'
          : outcome.reviewReset
            ? 'reset'
            : outcome.revision !== null
              ? 'saved'
              : 'placement';
        return reply.redirect(`/admin/posts/${req.params.id}?m=${flag}`, 303);
      }
      if ('problems' in outcome)
        return renderEdit(req, reply, { values, errors: problemsToErrors(m, outcome.problems) }, 400);
      if (outcome.refused === 'notFound') return sendErrorPage(pages, req, reply, 404);
      return renderEdit(req, reply, { values, flash: { kind: 'error', text: m.form.stale } }, 409);
    },
  );

  const workflowRoute = (
    path: string,
    config: { access: readonly ('editor' | 'reviewer' | 'admin')[] },
    run: (
      req: IdRequest,
      actor: Actor,
      version: number,
      note: string,
    ) => Promise<{ outcome: Outcome; flag: string }>,
  ) => {
    app.post<{ Params: { id: string }; Querystring: { m?: string } }>(
      `/admin/posts/:id/${path}`,
      { config, schema: { params: ID_PARAMS, body: formBodySchema(ACTION_FIELDS) }, attachValidation: true },
      async (req, reply) => {
        const form = readForm(req.body, ACTION_FIELDS, req.validationError !== undefined);
        const note = form.values.note ?? '';
        const { outcome, flag } = await run(req, actorOf(req.staff!), versionOf(form.values.version), note);
        if (outcome.ok) return reply.redirect(`/admin/posts/${req.params.id}?m=${flag}`, 303);
        return refused(req, reply, outcome, note);
      },
    );
  };

  workflowRoute('submit', EDITORS, async (req, actor, version) => ({
    outcome: await service.submit(actor, req.params.id, version),
    flag: 'submitted',
  }));
  workflowRoute('approve', REVIEWERS, async (req, actor, version, note) => {
    const outcome = await service.approve(actor, req.params.id, version, note);
    return { outcome, flag: outcome.ok && !outcome.published ? 'scheduled' : 'approved' };
  });
  workflowRoute('request-changes', REVIEWERS, async (req, actor, version, note) => ({
    outcome: await service.requestChanges(actor, req.params.id, version, note),
    flag: 'changes',
  }));
  workflowRoute('unpublish', READERS, async (req, actor, version) => ({
    outcome: await service.unpublish(actor, req.params.id, version),
    flag: 'unpublished',
  }));

  // ---- preview, history, diff ----

  app.get<{ Params: { id: string }; Querystring: { rev?: number } }>(
    '/admin/posts/:id/preview',
    { config: READERS, schema: { params: ID_PARAMS, querystring: PREVIEW_QUERY } },
    async (req, reply) => {
      const lang = langOf(req);
      const m = contentMessages(lang);
      const found = await service.preview(req.params.id, req.query.rev);
      if (!found) return sendErrorPage(pages, req, reply, 404);
      const view = previewView(m, {
        postId: found.post.id,
        n: found.revision.n,
        article: postArticle(found.view, lang),
      });
      return pages.admin(req, reply, fill(m.preview.title, { title: found.revision.title }), view);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/admin/posts/:id/revisions',
    { config: READERS, schema: { params: ID_PARAMS } },
    async (req, reply) => {
      const lang = langOf(req);
      const m = contentMessages(lang);
      const post = await repo.findPost(req.params.id);
      if (!post) return sendErrorPage(pages, req, reply, 404);
      const revisions = await repo.listRevisions(post.id);
      const current = revisions.find((r) => r.id === post.current_revision_id);
      const view = historyView(tOf(req), m, lang, {
        postId: post.id,
        title: current?.title ?? post.slug,
        revisions: revisions.map((r) => ({
          n: r.n,
          title: r.title,
          author: r.author_name ?? r.created_by,
          at: r.created_at,
          live: r.id === post.published_revision_id && post.status === 'published',
          current: r.id === post.current_revision_id,
        })),
      });
      return pages.admin(req, reply, fill(m.history.title, { title: current?.title ?? post.slug }), view);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from: number; to: number } }>(
    '/admin/posts/:id/diff',
    { config: READERS, schema: { params: ID_PARAMS, querystring: DIFF_QUERY } },
    async (req, reply) => {
      const m = contentMessages(langOf(req));
      const [a, b] = await Promise.all([
        repo.revisionByNumber(req.params.id, req.query.from),
        repo.revisionByNumber(req.params.id, req.query.to),
      ]);
      if (!a || !b) return sendErrorPage(pages, req, reply, 404);
      const tags = (json: string) => parseTagsJson(json).join(', ');
      const view = diffView(m, {
        postId: req.params.id,
        title: b.title,
        from: a.n,
        to: b.n,
        fields: [
          { key: 'title', diff: diffText(a.title, b.title) },
          { key: 'summary', diff: diffText(a.summary, b.summary) },
          { key: 'body', diff: diffText(a.body_md, b.body_md) },
          { key: 'tags', diff: diffText(tags(a.tags), tags(b.tags)) },
          { key: 'series', diff: diffText(a.series ?? '', b.series ?? '') },
          { key: 'reportTopic', diff: diffText(a.report_topic ?? '', b.report_topic ?? '') },
          { key: 'cover', diff: diffText(a.cover_media_id ?? '', b.cover_media_id ?? '') },
          { key: 'video', diff: diffText(a.video_media_id ?? '', b.video_media_id ?? '') },
        ],
      });
      return pages.admin(req, reply, fill(m.history.diffTitle, { from: a.n, to: b.n }), view);
    },
  );

  // ---- the campaign banner ----

  app.get<{ Querystring: { m?: string } }>(
    '/admin/banner',
    { config: BANNER_ACCESS, schema: { querystring: MESSAGE_QUERY } },
    async (req, reply) => {
      const m = contentMessages(langOf(req));
      const b = await service.banner();
      const flash: Flash | undefined =
        req.query.m === 'saved' ? { kind: 'ok', text: m.banner.saved } : undefined;
      const view = bannerView(tOf(req), m, {
        csrf: csrf.token(req, reply),
        values: { en: b.en, zh: b['zh-CN'], link: b.link, active: b.active },
        errors: {},
        flash,
      });
      return pages.admin(req, reply, m.banner.title, view);
    },
  );

  app.post(
    '/admin/banner',
    { config: BANNER_ACCESS, schema: { body: formBodySchema(BANNER_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const t = tOf(req);
      const m = contentMessages(langOf(req));
      const form = readForm(req.body, BANNER_FIELDS, req.validationError !== undefined);
      const values = {
        en: form.values.en ?? '',
        zh: form.values.zh ?? '',
        link: form.values.link ?? '',
        active: form.values.active === '1' || form.values.active === 'on',
      };
      let errors: FieldErrors = {};
      if (form.truncated) errors._form = t.forms.requestTooLong;
      else {
        const outcome = await service.setBanner(actorOf(req.staff!), values);
        if (outcome.ok) return reply.redirect('/admin/banner?m=saved', 303);
        if ('problems' in outcome) errors = problemsToErrors(m, outcome.problems);
      }
      const view = bannerView(t, m, { csrf: csrf.token(req, reply), values, errors });
      return pages.admin(req, reply, m.banner.title, view, 400);
    },
  );
}
