/** Back-office views for posts: the list, the editor with its review panel, history, diff, banner. */
import { errorSummary, type FieldErrors, hiddenCsrf, textField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, type Messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import type { TextDiff } from './diff.ts';
import type { ContentMessages } from './messages.ts';
import type { AdminListItem, AdminStatusFilter } from './repository.ts';
import { type DraftFields, LIMITS } from './service.ts';

export const STATUS_FILTERS: readonly AdminStatusFilter[] = [
  'all',
  'draft',
  'in_review',
  'approved',
  'changes_requested',
  'published',
  'unpublished',
];

export function formatTime(lang: Lang, ms: number): string {
  return `${new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(ms)} UTC`;
}

// ---- small form helpers (labels tied to fields, errors announced with the field) -------------------

interface FieldBase {
  name: string;
  label: string;
  error?: string;
  hint?: string;
}

function describedBy(o: FieldBase): SafeHtml | string {
  const id = `f-${o.name}`;
  const ids = [o.hint ? `${id}-hint` : '', o.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"` : '';
}

function fieldHead(o: FieldBase): SafeHtml {
  const id = `f-${o.name}`;
  return html`<label for="${id}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
${o.error ? html`<p class="field-error" id="${id}-error">${o.error}</p>` : ''}`;
}

export function textareaField(o: FieldBase & { value: string; rows?: number; maxLength?: number }): SafeHtml {
  return html`<div class="field">
${fieldHead(o)}
<textarea id="f-${o.name}" name="${o.name}" rows="${o.rows ?? 4}"${o.maxLength ? html` maxlength="${o.maxLength}"` : ''}${describedBy(o)}${o.error ? html` aria-invalid="true"` : ''}>${o.value}</textarea>
</div>`;
}

export function selectField(
  o: FieldBase & { value: string; options: { value: string; label: string }[] },
): SafeHtml {
  return html`<div class="field">
${fieldHead(o)}
<select id="f-${o.name}" name="${o.name}"${describedBy(o)}${o.error ? html` aria-invalid="true"` : ''}>
${o.options.map((opt) => html`<option value="${opt.value}"${opt.value === o.value ? html` selected` : ''}>${opt.label}</option>`)}
</select>
</div>`;
}

function checkboxField(o: { name: string; label: string; checked: boolean }): SafeHtml {
  return html`<div class="checks"><label><input type="checkbox" id="f-${o.name}" name="${o.name}" value="1"${o.checked ? html` checked` : ''}> ${o.label}</label></div>`;
}

// ---- the list --------------------------------------------------------------------------------

export function stateLabel(
  m: ContentMessages,
  p: { status: AdminListItem['status']; reviewState: AdminListItem['reviewState'] },
): string {
  const review = m.review[p.reviewState];
  return review ? `${m.status[p.status]} · ${review}` : m.status[p.status];
}

export function postListView(
  t: Messages,
  m: ContentMessages,
  lang: Lang,
  v: {
    items: AdminListItem[];
    status: AdminStatusFilter;
    filterLang: Lang | '';
    page: number;
    hasMore: boolean;
    canCreate: boolean;
  },
): SafeHtml {
  const query = (page: number) => {
    const q = new URLSearchParams();
    if (v.status !== 'all') q.set('status', v.status);
    if (v.filterLang) q.set('lang', v.filterLang);
    if (page > 1) q.set('page', String(page));
    const s = q.toString();
    return s ? `/admin/posts?${s}` : '/admin/posts';
  };
  return html`<h1>${m.admin.listTitle}</h1>
${v.canCreate ? html`<p><a class="button" href="/admin/posts/new">${m.admin.newPost}</a></p>` : ''}
<form method="get" action="/admin/posts" class="filters">
${selectField({ name: 'status', label: m.admin.status, value: v.status, options: STATUS_FILTERS.map((s) => ({ value: s, label: m.filters[s] })) })}
${selectField({
  name: 'lang',
  label: m.admin.language,
  value: v.filterLang,
  options: [
    { value: '', label: m.admin.anyLanguage },
    { value: 'zh-CN', label: m.langName['zh-CN'] },
    { value: 'en', label: m.langName.en },
  ],
})}
<div class="actions"><button type="submit" class="secondary">${m.admin.show}</button></div>
</form>
${
  v.items.length === 0
    ? html`<p>${m.admin.noPosts}</p>`
    : html`<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">${m.admin.title}</th><th scope="col">${m.admin.language}</th><th scope="col">${m.admin.kind}</th><th scope="col">${m.admin.state}</th><th scope="col">${m.admin.updated}</th></tr></thead>
<tbody>${v.items.map(
        (p) => html`<tr>
<td data-label="${m.admin.title}"><a href="/admin/posts/${p.id}" lang="${p.lang}">${p.title}</a>${p.pinned ? html` <span class="tag">${m.admin.pinned}</span>` : ''}<br><span class="mono hint">${p.slug}</span></td>
<td data-label="${m.admin.language}">${m.langName[p.lang]}</td>
<td data-label="${m.admin.kind}">${m.kind[p.kind]}</td>
<td data-label="${m.admin.state}">${stateLabel(m, p)}${p.pendingChanges ? html`<br><span class="hint">${m.admin.pendingChanges}</span>` : ''}${
          p.reviewState === 'approved' && p.publishAt !== null
            ? html`<br><span class="hint">${formatTime(lang, p.publishAt)}</span>`
            : ''
        }</td>
<td data-label="${m.admin.updated}">${formatTime(lang, p.updatedAt)}</td>
</tr>`,
      )}</tbody></table></div>`
}
<nav class="pager" aria-label="${m.public.pager}">${v.page > 1 ? html`<a href="${query(v.page - 1)}">${m.admin.newer}</a>` : html`<span></span>`}${
    v.hasMore ? html`<a href="${query(v.page + 1)}">${m.admin.older}</a>` : ''
  }</nav>
<p class="hint">${t.common.back}: <a href="/admin">${t.admin.dashboardTitle}</a></p>`;
}

// ---- the editor --------------------------------------------------------------------------------

export interface EditorOptions {
  csrf: string;
  /** Undefined for a new post. */
  postId?: string;
  version?: number;
  values: DraftFields;
  errors: FieldErrors;
  /** Address, language and kind are fixed once public. */
  locked: boolean;
  translations: { value: string; label: string }[];
  images: { value: string; label: string }[];
  videos: { value: string; label: string }[];
}

export function draftLabels(m: ContentMessages): Record<string, string> {
  return {
    title: m.form.title,
    summary: m.form.summary,
    bodyMd: m.form.bodyMd,
    slug: m.form.slug,
    lang: m.form.lang,
    kind: m.form.kind,
    translationOf: m.form.translationOf,
    tags: m.form.tags,
    series: m.form.series,
    reportTopic: m.form.reportTopic,
    coverMediaId: m.form.cover,
    videoMediaId: m.form.video,
    publishAt: m.form.publishAt,
    note: m.workflow.noteLabel,
  };
}

export function editorForm(t: Messages, m: ContentMessages, o: EditorOptions): SafeHtml {
  const v = o.values;
  const e = o.errors;
  const labels = draftLabels(m);
  const withCurrent = (options: { value: string; label: string }[], current: string) =>
    current && !options.some((x) => x.value === current)
      ? [...options, { value: current, label: current }]
      : options;
  const action = o.postId ? `/admin/posts/${o.postId}` : '/admin/posts';
  return html`${errorSummary(t, e, labels)}
<form method="post" action="${action}" class="stack editor" novalidate>
${hiddenCsrf(o.csrf)}
${o.version !== undefined ? html`<input type="hidden" name="version" value="${o.version}">` : ''}
${textField({ name: 'title', label: labels.title!, value: v.title, error: e.title, required: true, maxLength: LIMITS.title })}
${textareaField({ name: 'summary', label: labels.summary!, value: v.summary, error: e.summary, hint: m.form.summaryHint, rows: 3, maxLength: LIMITS.summary })}
${textareaField({ name: 'bodyMd', label: labels.bodyMd!, value: v.bodyMd, error: e.bodyMd, hint: m.form.bodyHint, rows: 20, maxLength: LIMITS.bodyMd })}
${
  o.locked
    ? html`<p class="notice">${m.form.slugLocked} <span class="mono">${v.slug}</span> · ${m.langName[v.lang as Lang] ?? v.lang} · ${m.kind[v.kind as 'post' | 'page'] ?? v.kind}</p>
<input type="hidden" name="slug" value="${v.slug}"><input type="hidden" name="lang" value="${v.lang}"><input type="hidden" name="kind" value="${v.kind}">`
    : html`${textField({ name: 'slug', label: labels.slug!, value: v.slug, error: e.slug, hint: m.form.slugHint, maxLength: LIMITS.slug, autocomplete: 'off' })}
${selectField({
  name: 'lang',
  label: labels.lang!,
  value: v.lang,
  error: e.lang,
  options: [
    { value: 'zh-CN', label: m.langName['zh-CN'] },
    { value: 'en', label: m.langName.en },
  ],
})}
${selectField({
  name: 'kind',
  label: labels.kind!,
  value: v.kind,
  error: e.kind,
  hint: m.form.kindHint,
  options: [
    { value: 'post', label: m.kind.post },
    { value: 'page', label: m.kind.page },
  ],
})}`
}
${selectField({ name: 'translationOf', label: labels.translationOf!, value: v.translationOf, error: e.translationOf, options: [{ value: '', label: m.form.translationNone }, ...withCurrent(o.translations, v.translationOf)] })}
${textField({ name: 'tags', label: labels.tags!, value: v.tags, error: e.tags, hint: m.form.tagsHint, maxLength: LIMITS.tags, autocomplete: 'off' })}
${textField({ name: 'series', label: labels.series!, value: v.series, error: e.series, hint: m.form.seriesHint, maxLength: LIMITS.series, autocomplete: 'off' })}
${textField({ name: 'reportTopic', label: labels.reportTopic!, value: v.reportTopic, error: e.reportTopic, hint: m.form.reportTopicHint, maxLength: LIMITS.reportTopic, autocomplete: 'off' })}
${selectField({ name: 'coverMediaId', label: labels.coverMediaId!, value: v.coverMediaId, error: e.coverMediaId, hint: m.form.mediaHint, options: [{ value: '', label: m.form.mediaNone }, ...withCurrent(o.images, v.coverMediaId)] })}
${selectField({ name: 'videoMediaId', label: labels.videoMediaId!, value: v.videoMediaId, error: e.videoMediaId, options: [{ value: '', label: m.form.mediaNone }, ...withCurrent(o.videos, v.videoMediaId)] })}
${checkboxField({ name: 'pinned', label: m.form.pinned, checked: v.pinned })}
${textField({ name: 'publishAt', label: labels.publishAt!, value: v.publishAt, error: e.publishAt, hint: m.form.publishAtHint, maxLength: 20, autocomplete: 'off' })}
<div class="actions"><button type="submit">${o.postId ? m.form.save : m.form.create}</button><a href="${o.postId ? `/admin/posts/${o.postId}` : '/admin/posts'}">${t.common.cancel}</a></div>
</form>`;
}

export interface WorkflowView {
  postId: string;
  version: number;
  csrf: string;
  status: 'draft' | 'published' | 'unpublished';
  reviewState: 'none' | 'in_review' | 'approved' | 'changes_requested';
  liveRevision: { n: number; since: number } | undefined;
  currentRevision: number;
  submitted: { name: string; at: number } | undefined;
  reviewed: { name: string; at: number } | undefined;
  reviewNote: string | null;
  publishAt: number | null;
  livePath: string | undefined;
  canEdit: boolean;
  canReview: boolean;
  canUnpublish: boolean;
  now: number;
  noteValue?: string;
  noteError?: string;
}

export function workflowPanel(m: ContentMessages, lang: Lang, w: WorkflowView): SafeHtml {
  const base = `/admin/posts/${w.postId}`;
  const hasChanges = w.status !== 'published' || w.liveRevision?.n !== w.currentRevision;
  const scheduled = w.publishAt !== null && w.publishAt > w.now;
  const versionField = html`<input type="hidden" name="version" value="${w.version}">`;
  const canSubmit =
    w.canEdit && (w.reviewState === 'none' || w.reviewState === 'changes_requested') && hasChanges;
  const reviewing = w.canReview && (w.reviewState === 'in_review' || w.reviewState === 'approved');
  return html`<section class="workflow" aria-labelledby="workflow-heading">
<h2 id="workflow-heading">${m.workflow.heading}</h2>
<p><strong>${stateLabel(m, w)}</strong></p>
<ul class="plain">
<li>${w.liveRevision && w.status === 'published' ? fill(m.workflow.liveRevision, { n: w.liveRevision.n, date: formatTime(lang, w.liveRevision.since) }) : m.workflow.notLive}</li>
<li>${fill(m.workflow.currentRevision, { n: w.currentRevision })}</li>
${w.submitted && w.reviewState !== 'none' ? html`<li>${fill(m.workflow.submittedBy, { name: w.submitted.name, date: formatTime(lang, w.submitted.at) })}</li>` : ''}
${w.reviewed && w.reviewState !== 'none' && w.reviewState !== 'in_review' ? html`<li>${fill(m.workflow.reviewedBy, { name: w.reviewed.name, date: formatTime(lang, w.reviewed.at) })}</li>` : ''}
${scheduled ? html`<li>${fill(m.workflow.scheduledFor, { date: formatTime(lang, w.publishAt!) })}</li>` : ''}
</ul>
${w.reviewNote && w.reviewState !== 'none' ? html`<div class="review-note"><p class="label">${m.workflow.note}</p><p class="pre">${w.reviewNote}</p></div>` : ''}
<p class="actions"><a href="${base}/preview">${m.workflow.preview}</a><a href="${base}/revisions">${m.workflow.history}</a>${w.livePath && w.status === 'published' ? html`<a href="${w.livePath}">${m.workflow.viewLive}</a>` : ''}</p>
${
  canSubmit
    ? html`<form method="post" action="${base}/submit" class="inline-form">${hiddenCsrf(w.csrf)}${versionField}<button type="submit">${m.workflow.submit}</button></form>`
    : ''
}
${
  reviewing
    ? html`<form method="post" action="${base}/approve" class="stack review-form" novalidate>${hiddenCsrf(w.csrf)}${versionField}
${textareaField({ name: 'note', label: m.workflow.noteLabel, hint: m.workflow.noteHint, value: w.noteValue ?? '', error: w.noteError, rows: 3, maxLength: LIMITS.note })}
<div class="actions">${
        w.reviewState === 'in_review'
          ? html`<button type="submit">${scheduled ? fill(m.workflow.approveFor, { date: formatTime(lang, w.publishAt!) }) : m.workflow.approve}</button>`
          : ''
      }<button type="submit" class="secondary" formaction="${base}/request-changes">${m.workflow.requestChanges}</button></div></form>`
    : ''
}
${
  w.canUnpublish && w.status === 'published'
    ? html`<form method="post" action="${base}/unpublish" class="inline-form">${hiddenCsrf(w.csrf)}${versionField}<button type="submit" class="danger">${m.workflow.unpublish}</button></form>`
    : ''
}
</section>`;
}

export function editPageView(
  t: Messages,
  m: ContentMessages,
  lang: Lang,
  v: {
    title: string;
    flash?: Flash;
    workflow: WorkflowView;
    editor: EditorOptions | undefined;
  },
): SafeHtml {
  return html`<h1>${fill(m.form.editTitle, { title: v.title })}</h1>
${flashBox(v.flash)}
${workflowPanel(m, lang, v.workflow)}
${v.editor ? html`<h2>${m.workflow.edit}</h2>${editorForm(t, m, v.editor)}` : html`<p class="notice">${m.workflow.reviewOnly}</p>`}
<p><a href="/admin/posts">${t.common.back}</a></p>`;
}

export function newPageView(t: Messages, m: ContentMessages, o: EditorOptions, flash?: Flash): SafeHtml {
  return html`<h1>${m.form.newTitle}</h1>
${flashBox(flash)}
${editorForm(t, m, o)}`;
}

// ---- history and diff ---------------------------------------------------------------------------

export interface RevisionListItem {
  n: number;
  title: string;
  author: string;
  at: number;
  live: boolean;
  current: boolean;
}

export function historyView(
  t: Messages,
  m: ContentMessages,
  lang: Lang,
  v: { postId: string; title: string; revisions: RevisionListItem[]; from?: number; to?: number },
): SafeHtml {
  const base = `/admin/posts/${v.postId}`;
  const options = v.revisions.map((r) => ({ value: String(r.n), label: `${r.n} · ${r.title}` }));
  const newest = v.revisions[0]?.n ?? 1;
  return html`<h1>${fill(m.history.title, { title: v.title })}</h1>
${
  v.revisions.length > 1
    ? html`<form method="get" action="${base}/diff" class="filters">
${selectField({ name: 'from', label: m.history.from, value: String(v.from ?? Math.max(1, newest - 1)), options })}
${selectField({ name: 'to', label: m.history.to, value: String(v.to ?? newest), options })}
<div class="actions"><button type="submit">${m.history.compare}</button></div>
</form>`
    : ''
}
<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">${m.history.revision}</th><th scope="col">${m.admin.title}</th><th scope="col">${m.history.author}</th><th scope="col">${m.history.when}</th></tr></thead>
<tbody>${v.revisions.map(
    (r) => html`<tr>
<td data-label="${m.history.revision}"><a href="${base}/preview?rev=${r.n}">${r.n}</a>${r.live ? html` <span class="tag">${m.history.live}</span>` : ''}${r.current ? html` <span class="tag">${m.history.current}</span>` : ''}</td>
<td data-label="${m.admin.title}">${r.title}</td>
<td data-label="${m.history.author}">${r.author}</td>
<td data-label="${m.history.when}">${formatTime(lang, r.at)}</td>
</tr>`,
  )}</tbody></table></div>
<p><a href="${base}">${m.history.back}</a> · <a href="/admin/posts">${t.common.back}</a></p>`;
}

export function diffView(
  m: ContentMessages,
  v: {
    postId: string;
    title: string;
    from: number;
    to: number;
    fields: { key: keyof ContentMessages['history']['fields']; diff: TextDiff }[];
  },
): SafeHtml {
  const base = `/admin/posts/${v.postId}`;
  const changed = v.fields.filter((f) => f.diff.changed);
  return html`<h1>${fill(m.history.diffTitle, { from: v.from, to: v.to })}</h1>
<p class="lead">${v.title}</p>
${changed.length === 0 ? html`<p class="notice">${m.history.same}</p>` : ''}
${v.fields.map(
  (f) => html`<section class="diff-field">
<h2>${m.history.fields[f.key]}${f.diff.changed ? '' : html` <span class="hint">(${m.history.noChange})</span>`}</h2>
${f.diff.changed ? html`<div class="diff">${f.diff.markup}</div>` : ''}
</section>`,
)}
<p><a href="${base}/revisions">${m.workflow.history}</a> · <a href="${base}">${m.history.back}</a></p>`;
}

// ---- the banner --------------------------------------------------------------------------------

export function bannerView(
  t: Messages,
  m: ContentMessages,
  v: {
    csrf: string;
    values: { en: string; zh: string; link: string; active: boolean };
    errors: FieldErrors;
    flash?: Flash;
  },
): SafeHtml {
  const labels = { en: m.banner.en, zh: m.banner.zh, link: m.banner.link };
  return html`<h1>${m.banner.title}</h1>
${flashBox(v.flash)}
<p>${m.banner.intro}</p>
${errorSummary(t, v.errors, labels)}
<form method="post" action="/admin/banner" class="stack" novalidate>
${hiddenCsrf(v.csrf)}
${textField({ name: 'zh', label: labels.zh, value: v.values.zh, error: v.errors.zh, maxLength: LIMITS.bannerText })}
${textField({ name: 'en', label: labels.en, value: v.values.en, error: v.errors.en, maxLength: LIMITS.bannerText })}
${textField({ name: 'link', label: labels.link, value: v.values.link, error: v.errors.link, hint: m.banner.linkHint, maxLength: LIMITS.bannerLink, autocomplete: 'off' })}
${checkboxField({ name: 'active', label: m.banner.active, checked: v.values.active })}
<div class="actions"><button type="submit">${t.common.save}</button></div>
</form>`;
}

export function previewView(
  m: ContentMessages,
  v: { postId: string; n: number; article: SafeHtml },
): SafeHtml {
  return html`<p class="notice preview-notice">${fill(m.preview.notice, { n: v.n })} <a href="/admin/posts/${v.postId}">${m.history.back}</a></p>
<div class="preview">${v.article}</div>`;
}
