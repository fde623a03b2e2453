/**
 * The markup for a post's cover image and video, built from rows of the `media` table. The media
 * module owns the files and the /media/ addresses: it may replace any of these functions with
 * `setMediaMarkup({...})` in its setup(), and every page rendered afterwards uses its version.
 * Everything here is self-hosted: no third-party embed, and the CSP allows media only from 'self'.
 */
import type { MediaTable } from '../../platform/db/schema.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';

export interface MediaVariant {
  name: string;
  width?: number;
  height?: number;
  mime?: string;
  bytes?: number;
}

export interface MediaItem {
  id: string;
  kind: MediaTable['kind'];
  mime: string;
  width: number | null;
  height: number | null;
  lang: string | null;
  alt: Record<Lang, string>;
  variants: MediaVariant[];
}

export interface VideoBundle {
  video: MediaItem;
  /** The poster frame: an image whose parent is the video. */
  poster?: MediaItem;
  /** WebVTT tracks whose parent is the video, one per language. */
  captions: MediaItem[];
}

export interface ImageOptions {
  lang: Lang;
  /** The `sizes` attribute for a responsive image. */
  sizes?: string;
  className?: string;
  /** The cover at the top of a post is eager; thumbnails in lists are lazy. */
  loading?: 'lazy' | 'eager';
}

export interface VideoOptions {
  lang: Lang;
  /** Track labels, by the track's language. */
  labels: Record<Lang, string>;
  /** Shown by browsers that cannot play the video. */
  fallback: string;
}

export interface MediaMarkup {
  /** The address of a media file or one of its variants. */
  url(id: string, variant?: string): string;
  image(item: MediaItem, o: ImageOptions): SafeHtml;
  video(bundle: VideoBundle, o: VideoOptions): SafeHtml;
}

export function mediaItemOf(row: MediaTable): MediaItem {
  let variants: MediaVariant[] = [];
  try {
    const parsed: unknown = JSON.parse(row.variants);
    if (Array.isArray(parsed))
      variants = parsed.filter(
        (v): v is MediaVariant =>
          typeof v === 'object' && v !== null && typeof (v as MediaVariant).name === 'string',
      );
  } catch {
    variants = [];
  }
  return {
    id: row.id,
    kind: row.kind,
    mime: row.mime,
    width: row.width,
    height: row.height,
    lang: row.lang,
    alt: { en: row.alt_en, 'zh-CN': row.alt_zh },
    variants,
  };
}

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

function altOf(item: MediaItem, lang: Lang): string {
  return item.alt[lang] || item.alt[lang === 'en' ? 'zh-CN' : 'en'] || '';
}

const defaults: MediaMarkup = {
  url(id, variant) {
    const name = variant && SAFE_NAME.test(variant) ? variant : 'w800.jpg';
    return `/media/${encodeURIComponent(id)}/${name}`;
  },

  image(item, o) {
    const sized = item.variants
      .filter((v) => typeof v.width === 'number' && v.width > 0 && SAFE_NAME.test(v.name))
      .sort((a, b) => a.width! - b.width!);
    const main = sized.find((v) => v.width! >= 800) ?? sized[sized.length - 1];
    const src = current.url(item.id, main?.name);
    const srcset =
      sized.length > 1 ? sized.map((v) => `${current.url(item.id, v.name)} ${v.width}w`).join(', ') : '';
    const width = main?.width ?? item.width;
    const height = main?.height ?? item.height;
    return html`<img src="${src}"${srcset ? html` srcset="${srcset}" sizes="${o.sizes ?? '(min-width: 60rem) 58rem, 100vw'}"` : ''} alt="${altOf(item, o.lang)}"${width && height ? html` width="${width}" height="${height}"` : ''}${o.className ? html` class="${o.className}"` : ''} loading="${o.loading ?? 'lazy'}" decoding="async">`;
  },

  video(bundle, o) {
    const { video, poster, captions } = bundle;
    const sources = video.variants.filter((v) => SAFE_NAME.test(v.name) && v.mime?.startsWith('video/'));
    const posterUrl = poster ? current.url(poster.id, posterVariant(poster)) : undefined;
    const tracks = captions.filter((c) => c.lang === 'en' || c.lang === 'zh-CN');
    return html`<video controls preload="none"${posterUrl ? html` poster="${posterUrl}"` : ''}${video.width && video.height ? html` width="${video.width}" height="${video.height}"` : ''}>
${
  sources.length > 0
    ? sources.map((s) => html`<source src="${current.url(video.id, s.name)}" type="${s.mime!}">`)
    : html`<source src="${current.url(video.id, 'original')}" type="${video.mime}">`
}
${tracks.map((c) => {
  const lang = c.lang as Lang;
  const name = c.variants.find((v) => SAFE_NAME.test(v.name))?.name ?? 'captions.vtt';
  return html`<track kind="captions" src="${current.url(c.id, name)}" srclang="${lang}" label="${o.labels[lang]}"${lang === o.lang ? html` default` : ''}>`;
})}
<p>${o.fallback}</p>
</video>`;
  },
};

function posterVariant(poster: MediaItem): string | undefined {
  const sized = poster.variants
    .filter((v) => typeof v.width === 'number' && SAFE_NAME.test(v.name))
    .sort((a, b) => a.width! - b.width!);
  return (sized.find((v) => v.width! >= 800) ?? sized[sized.length - 1])?.name;
}

let current: MediaMarkup = { ...defaults };

/** The markup functions in use (the defaults, or what the media module set). */
export function mediaMarkup(): MediaMarkup {
  return current;
}

/** For the media module: replace some or all of the markup functions. */
export function setMediaMarkup(overrides: Partial<MediaMarkup>): void {
  current = { ...current, ...overrides };
}

/** Back to the defaults (tests). */
export function resetMediaMarkup(): void {
  current = { ...defaults };
}

/** The cover image markup: `<img src="/media/<id>/w800.jpg" ...>` by default. */
export function coverImage(item: MediaItem, o: ImageOptions): SafeHtml {
  return current.image(item, o);
}

/** The video markup: `<video controls preload="none" poster=...>` with sources and caption tracks. */
export function videoPlayer(bundle: VideoBundle, o: VideoOptions): SafeHtml {
  return current.video(bundle, o);
}
