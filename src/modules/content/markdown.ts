/**
 * Markdown to HTML for posts. Editors' Markdown is hostile input like any other: no raw HTML passes
 * (markdown-it with `html: false` escapes it), links are kept only for http(s), mailto and same-site
 * addresses, images only from this site's /media/ paths, and nothing carries a style or an event
 * attribute (the CSP forbids inline styles, and there is no script at all). Headings get ids so a
 * section can be linked; they are prefixed with "h-" so they can never clash with the page's own ids.
 */
import MarkdownItParser, { type MarkdownIt, type Token } from 'markdown-it';
import { escapeHtml } from '../../platform/views/html.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const INVISIBLE = /[\u0000-\u0020\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\u2060\ufeff]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const ALLOWED_SCHEMES = new Set(['http', 'https', 'mailto']);
/** `/media/<id>` or `/media/<id>/<variant>`: the only images a post may show. */
export const MEDIA_SRC = /^\/media\/[A-Za-z0-9_-]{1,64}(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})?$/;

/**
 * The link policy: an http(s) or mailto URL, or a same-site address (`/law/...`, `#section`,
 * `relative/path`). Protocol-relative `//host`, backslashes and every other scheme are refused.
 */
export function isSafeHref(raw: string): boolean {
  const url = raw.replace(INVISIBLE, '');
  if (url === '' || url.includes('\\') || url.startsWith('//')) return false;
  const scheme = SCHEME.exec(url);
  if (scheme) return ALLOWED_SCHEMES.has(scheme[1]!.toLowerCase());
  // A colon before the first slash would make some parsers read a scheme: refuse it.
  const colon = url.indexOf(':');
  if (colon >= 0) {
    const firstSep = url.search(/[/?#]/);
    if (firstSep < 0 || colon < firstSep) return false;
  }
  return true;
}

export function isExternalHref(href: string): boolean {
  return /^(https?|mailto):/i.test(href);
}

/** A heading's text as an id: letters and digits of any script, dashes between them. */
export function headingSlug(text: string): string {
  const slug = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^-+/, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `h-${slug || 'section'}`;
}

function inlineText(token: Token): string {
  return (token.children ?? [])
    .filter((c) => c.type === 'text' || c.type === 'code_inline')
    .map((c) => c.content)
    .join('');
}

function createRenderer(): MarkdownIt {
  const md = new MarkdownItParser('default', {
    html: false,
    xhtmlOut: false,
    breaks: false,
    linkify: true,
    typographer: false,
  });
  md.linkify.set({ fuzzyEmail: false });
  md.validateLink = isSafeHref;

  // Heading ids, table alignment as classes (no style attribute), and no style anywhere.
  md.core.ruler.push('vigil_attributes', (state) => {
    const seen = new Map<string, number>();
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      // A code block's language becomes a class name: keep it to a plain word.
      if (token.type === 'fence') token.info = (/^[A-Za-z0-9_+-]{1,30}/.exec(token.info.trim()) ?? [''])[0];
      if (token.type === 'heading_open') {
        const base = headingSlug(inlineText(tokens[i + 1]!));
        const n = (seen.get(base) ?? 0) + 1;
        seen.set(base, n);
        token.attrSet('id', n === 1 ? base : `${base}-${n}`);
      }
      const style = token.attrGet('style');
      if (style !== null) {
        const align = /text-align:\s*(left|right|center)/.exec(String(style));
        token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'style');
        if (align) token.attrJoin('class', `align-${align[1]}`);
      }
    }
  });

  const defaultLinkOpen =
    md.renderer.rules.link_open ??
    ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const href = String(token.attrGet('href') ?? '');
    if (isExternalHref(href)) token.attrSet('rel', 'noopener noreferrer');
    return defaultLinkOpen(tokens, idx, options, env, self);
  };

  md.renderer.rules.image = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const src = String(token.attrGet('src') ?? '');
    const alt = self.renderInlineAsText(token.children ?? [], options, env);
    // An image from anywhere else (a tracker, a data: URL) is shown as its description only.
    if (!MEDIA_SRC.test(src)) return escapeHtml(alt);
    const title = String(token.attrGet('title') ?? '');
    return `<img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}"${title ? ` title="${escapeHtml(title)}"` : ''} loading="lazy" decoding="async">`;
  };
  return md;
}

const renderer = createRenderer();

/** Renders an editor's Markdown to sanitised HTML (a string Vigil produced: safe for unsafeRaw). */
export function renderMarkdown(markdown: string): string {
  return renderer.render(markdown);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/** Plain text of HTML that renderMarkdown produced (for search and summaries): tags out, entities decoded. */
export function htmlToText(htmlText: string): string {
  return htmlText
    .replace(/<(br|\/p|\/h[1-6]|\/li|\/tr|\/pre|\/blockquote)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ENTITIES[e]!)
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}
