/** Back-office pages of the media module: the list, the upload forms and a file's own page. */
import {
  errorSummary,
  type FieldErrors,
  hiddenCsrf,
  labelledField,
  textField,
} from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, type Messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import type { MediaMessages } from './messages.ts';
import type { MediaItem } from './repository.ts';
import { ALT_MAX, type VideoBundle } from './service.ts';
import { defaultVariant, imageMarkup, mediaUrl, videoMarkup } from './views.ts';

export const IMAGE_ACCEPT = 'image/jpeg,image/png,image/webp';
export const VIDEO_ACCEPT = 'video/mp4,video/webm';
export const CAPTIONS_ACCEPT = '.vtt,text/vtt';

export interface PageBase {
  t: Messages;
  m: MediaMessages;
  lang: Lang;
  csrf: string;
}

export function megabytes(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}

export function formatBytes(lang: Lang, bytes: number): string {
  const fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  if (bytes < 1024) return `${fmt.format(bytes)} B`;
  if (bytes < 1024 * 1024) return `${fmt.format(bytes / 1024)} KB`;
  return `${fmt.format(bytes / (1024 * 1024))} MB`;
}

function formatDate(lang: Lang, ms: number): string {
  return `${new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(ms)} UTC`;
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function fileField(o: {
  name: string;
  label: string;
  hint?: string;
  error?: string;
  accept: string;
  required?: boolean;
}): SafeHtml {
  return labelledField(
    o,
    (id, aria) =>
      html`<input id="${id}" name="${o.name}" type="file" accept="${o.accept}"${o.required ? html` required` : ''}${aria}>`,
  );
}

function kindLabel(m: MediaMessages, kind: MediaItem['kind']): string {
  return kind === 'image' ? m.kindImage : kind === 'video' ? m.kindVideo : m.kindCaptions;
}

function thumbnail(item: MediaItem, poster: MediaItem | undefined, lang: Lang): SafeHtml {
  const image = item.kind === 'image' ? item : poster;
  const v = image ? [...image.variants].sort((a, b) => (a.width ?? 0) - (b.width ?? 0))[0] : undefined;
  if (!image || !v) return html`<span class="hint">—</span>`;
  return html`<img class="media-thumb" src="${mediaUrl(image.id, v.name)}" alt="${image.alt[lang]}" width="120" height="${v.width && v.height ? Math.round((120 * v.height) / v.width) : 80}" loading="lazy">`;
}

export function mediaListView(
  p: PageBase & {
    items: MediaItem[];
    children: MediaItem[];
    page: number;
    pages: number;
    canUpload: boolean;
    flash?: Flash;
  },
): SafeHtml {
  const { m, lang } = p;
  const rows = p.items.map((item) => {
    const kids = p.children.filter((c) => c.parentId === item.id);
    const poster = kids.find((c) => c.kind === 'image');
    const langs = kids
      .filter((c) => c.kind === 'captions')
      .map((c) => (c.lang === 'en' ? m.langEn : m.langZh))
      .join(', ');
    const extra =
      item.kind === 'video'
        ? html`<br><span class="hint">${langs ? fill(m.captionsState, { langs }) : m.captionsNone}${poster ? '' : html` · ${m.posterMissing}`}</span>`
        : '';
    return html`<tr>
<td data-label="${m.preview}">${thumbnail(item, poster, lang)}</td>
<td data-label="${m.description}"><a href="/admin/media/${item.id}">${item.alt[lang] || item.alt.en || item.id}</a>${extra}</td>
<td data-label="${m.kind}">${kindLabel(m, item.kind)}</td>
<td data-label="${m.size}">${formatBytes(lang, item.bytes)}</td>
<td data-label="${m.uploaded}">${formatDate(lang, item.createdAt)}</td>
</tr>`;
  });
  const pager =
    p.pages > 1
      ? html`<nav class="pager" aria-label="${fill(m.page, { page: p.page, pages: p.pages })}"><p>${p.page > 1 ? html`<a href="/admin/media?page=${p.page - 1}" rel="prev">${p.t.common.previous}</a> ` : ''}${fill(m.page, { page: p.page, pages: p.pages })}${p.page < p.pages ? html` <a href="/admin/media?page=${p.page + 1}" rel="next">${p.t.common.next}</a>` : ''}</p></nav>`
      : '';
  return html`<h1>${m.listTitle}</h1>
${flashBox(p.flash)}
<p class="hint">${m.listIntro}</p>
${p.canUpload ? html`<p class="actions"><a class="button" href="/admin/media/images/new">${m.uploadImage}</a> <a class="button" href="/admin/media/videos/new">${m.uploadVideo}</a></p>` : ''}
${
  p.items.length === 0
    ? html`<p>${m.empty}</p>`
    : html`<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">${m.preview}</th><th scope="col">${m.description}</th><th scope="col">${m.kind}</th><th scope="col">${m.size}</th><th scope="col">${m.uploaded}</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
${pager}`;
}

function altFields(
  m: MediaMessages,
  values: Record<string, string>,
  errors: FieldErrors,
  video: boolean,
): SafeHtml {
  const hint = fill(video ? m.videoAltHint : m.altHint, { max: ALT_MAX });
  return html`${textField({ name: 'altZh', label: video ? m.videoAltZh : m.altZh, value: values.altZh, error: errors.altZh, hint, required: true, maxLength: ALT_MAX, autocomplete: 'off' })}
${textField({ name: 'altEn', label: video ? m.videoAltEn : m.altEn, value: values.altEn, error: errors.altEn, hint, required: true, maxLength: ALT_MAX, autocomplete: 'off' })}`;
}

export function imageLabels(m: MediaMessages): Record<string, string> {
  return { altZh: m.altZh, altEn: m.altEn, image: m.imageFile };
}

export function videoLabels(m: MediaMessages): Record<string, string> {
  return {
    altZh: m.videoAltZh,
    altEn: m.videoAltEn,
    video: m.videoFile,
    poster: m.posterFile,
    captionsZh: m.captionsZh,
    captionsEn: m.captionsEn,
  };
}

/** The image upload form. Text fields come before the file, so they arrive even if the file is refused. */
export function newImageView(
  p: PageBase & { values: Record<string, string>; errors: FieldErrors; maxImageBytes: number },
): SafeHtml {
  const { m, t } = p;
  const mb = megabytes(p.maxImageBytes);
  const retry = Object.keys(p.errors).length > 0 ? html`<p class="notice">${m.chooseAgain}</p>` : '';
  return html`<h1>${m.newImageTitle}</h1>
${errorSummary(t, p.errors, imageLabels(m))}
<p class="hint">${fill(m.newImageIntro, { mb })}</p>
${retry}
<form method="post" action="/admin/media/images" enctype="multipart/form-data" class="stack" novalidate>
${hiddenCsrf(p.csrf)}
${altFields(m, p.values, p.errors, false)}
${fileField({ name: 'image', label: m.imageFile, hint: fill(m.imageFileHint, { mb }), error: p.errors.image, accept: IMAGE_ACCEPT, required: true })}
<div class="actions"><button type="submit">${m.upload}</button><a href="/admin/media">${t.common.cancel}</a></div>
</form>`;
}

export function newVideoView(
  p: PageBase & {
    values: Record<string, string>;
    errors: FieldErrors;
    maxImageBytes: number;
    maxVideoBytes: number;
  },
): SafeHtml {
  const { m, t } = p;
  const retry = Object.keys(p.errors).length > 0 ? html`<p class="notice">${m.chooseAgain}</p>` : '';
  return html`<h1>${m.newVideoTitle}</h1>
${errorSummary(t, p.errors, videoLabels(m))}
<p class="hint">${fill(m.newVideoIntro, { mb: megabytes(p.maxVideoBytes) })}</p>
${retry}
<form method="post" action="/admin/media/videos" enctype="multipart/form-data" class="stack" novalidate>
${hiddenCsrf(p.csrf)}
${altFields(m, p.values, p.errors, true)}
${fileField({ name: 'video', label: m.videoFile, hint: fill(m.videoFileHint, { mb: megabytes(p.maxVideoBytes) }), error: p.errors.video, accept: VIDEO_ACCEPT, required: true })}
${fileField({ name: 'poster', label: m.posterFile, hint: fill(m.posterFileHint, { mb: megabytes(p.maxImageBytes) }), error: p.errors.poster, accept: IMAGE_ACCEPT })}
${fileField({ name: 'captionsZh', label: m.captionsZh, hint: m.captionsHint, error: p.errors.captionsZh, accept: CAPTIONS_ACCEPT })}
${fileField({ name: 'captionsEn', label: m.captionsEn, hint: m.captionsHint, error: p.errors.captionsEn, accept: CAPTIONS_ACCEPT })}
<div class="actions"><button type="submit">${m.upload}</button><a href="/admin/media">${t.common.cancel}</a></div>
</form>`;
}

export interface DetailState {
  altValues: Record<string, string>;
  altErrors: FieldErrors;
  trackErrors: FieldErrors;
  deleteErrors: FieldErrors;
}

export function mediaDetailView(
  p: PageBase & {
    item: MediaItem;
    bundle: VideoBundle | undefined;
    canEdit: boolean;
    state: DetailState;
    maxImageBytes: number;
    flash?: Flash;
  },
): SafeHtml {
  const { m, t, lang, item, bundle, state } = p;
  const video = item.kind === 'video';
  const title = video ? m.detailTitleVideo : m.detailTitleImage;
  const preview = bundle
    ? videoMarkup(bundle.video, bundle.poster, bundle.captions, lang)
    : item.kind === 'image'
      ? imageMarkup(item, lang)
      : html``;
  const files = [
    ...item.variants.map((v) => ({ owner: item, v })),
    ...(bundle?.poster?.variants.map((v) => ({ owner: bundle.poster!, v })) ?? []),
    ...(bundle?.captions.flatMap((c) => c.variants.map((v) => ({ owner: c, v }))) ?? []),
  ];
  const captionLangs = (['zh-CN', 'en'] as const).map(
    (l) =>
      html`<li>${l === 'en' ? m.langEn : m.langZh}: ${bundle?.captions.some((c) => c.lang === l) ? m.present : m.missing}</li>`,
  );
  const main = defaultVariant(item);
  return html`<h1>${title}: ${item.alt[lang] || item.alt.en}</h1>
${flashBox(p.flash)}
<div class="media-preview">${preview}</div>
<dl class="facts">
<dt>${m.kind}</dt><dd>${kindLabel(m, item.kind)} <span class="mono">${item.mime}</span></dd>
${item.width && item.height ? html`<dt>${m.dimensions}</dt><dd>${item.width} × ${item.height}</dd>` : ''}
${item.durationMs !== null ? html`<dt>${m.duration}</dt><dd>${formatDuration(item.durationMs)}</dd>` : ''}
<dt>${m.size}</dt><dd>${formatBytes(lang, item.bytes)}</dd>
<dt>${m.uploaded}</dt><dd>${formatDate(lang, item.createdAt)}</dd>
<dt>ID</dt><dd><span class="mono">${item.id}</span></dd>
${main ? html`<dt>${m.address}</dt><dd><span class="mono">${mediaUrl(item.id, main.name)}</span></dd>` : ''}
</dl>
${video ? html`<h2>${m.captions}</h2><ul>${captionLangs}</ul>` : ''}
<h2>${m.variants}</h2>
<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">${m.variant}</th><th scope="col">${m.dimensions}</th><th scope="col">${m.size}</th></tr></thead>
<tbody>${files.map(
    ({ owner, v }) => html`<tr>
<td data-label="${m.variant}"><a class="mono" href="${mediaUrl(owner.id, v.name)}">${mediaUrl(owner.id, v.name)}</a></td>
<td data-label="${m.dimensions}">${v.width && v.height ? `${v.width} × ${v.height}` : '—'}</td>
<td data-label="${m.size}">${formatBytes(lang, v.bytes)}</td>
</tr>`,
  )}</tbody></table></div>
${
  p.canEdit
    ? html`<h2>${video ? m.editDescriptionTitle : m.editAltTitle}</h2>
${errorSummary(t, state.altErrors, imageLabels(m))}
<form method="post" action="/admin/media/${item.id}" class="stack" novalidate>
${hiddenCsrf(p.csrf)}
${altFields(m, state.altValues, state.altErrors, video)}
<div class="actions"><button type="submit">${t.common.save}</button></div>
</form>
${
  video
    ? html`<h2>${m.tracksTitle}</h2>
${errorSummary(t, state.trackErrors, videoLabels(m))}
<p class="hint">${m.tracksIntro}</p>
<form method="post" action="/admin/media/${item.id}/tracks" enctype="multipart/form-data" class="stack" novalidate>
${hiddenCsrf(p.csrf)}
${fileField({ name: 'poster', label: m.posterFile, hint: fill(m.posterFileHint, { mb: megabytes(p.maxImageBytes) }), error: state.trackErrors.poster, accept: IMAGE_ACCEPT })}
${fileField({ name: 'captionsZh', label: m.captionsZh, hint: m.captionsHint, error: state.trackErrors.captionsZh, accept: CAPTIONS_ACCEPT })}
${fileField({ name: 'captionsEn', label: m.captionsEn, hint: m.captionsHint, error: state.trackErrors.captionsEn, accept: CAPTIONS_ACCEPT })}
<div class="actions"><button type="submit">${m.saveTracks}</button></div>
</form>`
    : ''
}
<h2>${m.deleteTitle}</h2>
${errorSummary(t, state.deleteErrors, {})}
<p>${m.deleteIntro}</p>
<form method="post" action="/admin/media/${item.id}/delete" class="inline-form">
${hiddenCsrf(p.csrf)}
<button type="submit" class="danger">${m.deleteButton}</button>
</form>`
    : ''
}
<p><a href="/admin/media">${m.listTitle}</a></p>`;
}
