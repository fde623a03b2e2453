/**
 * Markup for media on public pages (the content module calls these). Everything points at this
 * site's own /media addresses: no third-party player, embed or script. Works without JavaScript.
 * The inputs are structural: a MediaItem from MediaService, or any object with the same fields.
 */
import { html, type SafeHtml } from '../../platform/views/html.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';
import { mediaMessages } from './messages.ts';
import { VARIANT_NAME } from './storage.ts';

export interface MarkupVariant {
  name: string;
  width?: number | null;
  height?: number | null;
  mime?: string;
}

/** What the markup needs of a media item (MediaItem has all of it). */
export interface MarkupMedia {
  id: string;
  kind: string;
  mime: string;
  lang?: string | null;
  alt: Record<Lang, string>;
  variants: readonly MarkupVariant[];
}

export interface ImageMarkupOptions {
  /** Added to the img's class. */
  className?: string;
  /** 'lazy' by default; 'eager' for an image at the top of the page. */
  loading?: 'lazy' | 'eager';
}

/** The public address of one stored file. */
export function mediaUrl(id: string, variant: string): string {
  return `/media/${encodeURIComponent(id)}/${encodeURIComponent(variant)}`;
}

const DEFAULT_SIZES = '(max-width: 50rem) 100vw, 50rem';

type Sized = MarkupVariant & { width: number; height: number };

function byWidth(variants: readonly MarkupVariant[]): Sized[] {
  return variants
    .filter(
      (v): v is Sized =>
        typeof v.width === 'number' &&
        v.width > 0 &&
        typeof v.height === 'number' &&
        VARIANT_NAME.test(v.name),
    )
    .sort((a, b) => a.width - b.width);
}

/** The variant to use where only one fits (src, poster): the 800-wide one, or the nearest below, or the smallest. */
export function defaultVariant(media: MarkupMedia): Sized | undefined {
  const sorted = byWidth(media.variants);
  return [...sorted].reverse().find((v) => v.width <= 800) ?? sorted[0];
}

function altOf(media: MarkupMedia, lang: Lang): string {
  const other: Lang = lang === 'en' ? 'zh-CN' : 'en';
  return media.alt[lang] || media.alt[other] || '';
}

/**
 * A responsive <img>: every stored width in srcset, the 800-wide one as src, the alternative text
 * in the page's language, intrinsic width and height (no layout shift), lazily loaded.
 */
export function imageMarkup(
  media: MarkupMedia,
  lang: Lang,
  sizes: string = DEFAULT_SIZES,
  options: ImageMarkupOptions = {},
): SafeHtml {
  const sorted = byWidth(media.variants);
  const main = defaultVariant(media);
  if (media.kind !== 'image' || !main) return html``;
  const srcset = sorted.map((v) => `${mediaUrl(media.id, v.name)} ${v.width}w`).join(', ');
  const cls = options.className ? `media-image ${options.className}` : 'media-image';
  return html`<img class="${cls}" src="${mediaUrl(media.id, main.name)}" srcset="${srcset}" sizes="${sizes}" alt="${altOf(media, lang)}" width="${main.width}" height="${main.height}" loading="${options.loading ?? 'lazy'}" decoding="async">`;
}

/**
 * A <video> that loads nothing until played, with its poster, its source and a caption track per
 * language (the page's language on by default), and a download link for browsers that cannot play it.
 */
export function videoMarkup(
  video: MarkupMedia,
  poster: MarkupMedia | null | undefined,
  captions: readonly MarkupMedia[],
  lang: Lang,
): SafeHtml {
  const source = video.variants.find((v) => VARIANT_NAME.test(v.name));
  if (video.kind !== 'video' || !source) return html``;
  const m = mediaMessages(lang);
  const posterVariant = poster ? defaultVariant(poster) : undefined;
  const src = mediaUrl(video.id, source.name);
  const tracks = (['zh-CN', 'en'] as const).flatMap((l) => {
    const track = captions.find((c) => c.kind === 'captions' && c.lang === l);
    const file = track?.variants.find((v) => VARIANT_NAME.test(v.name));
    if (!track || !file) return [];
    return [
      html`<track kind="captions" srclang="${l}" label="${l === 'en' ? m.langEn : m.langZh}" src="${mediaUrl(track.id, file.name)}"${l === lang ? html` default` : ''}>`,
    ];
  });
  const size = posterVariant ? html` width="${posterVariant.width}" height="${posterVariant.height}"` : '';
  return html`<video class="media-video" controls preload="none" playsinline${poster && posterVariant ? html` poster="${mediaUrl(poster.id, posterVariant.name)}"` : ''}${size} aria-label="${altOf(video, lang)}"><source src="${src}" type="${video.mime}">${tracks}<p><a href="${src}" download>${m.downloadVideo}</a></p></video>`;
}
