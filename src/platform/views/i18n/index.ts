import { en, type Messages } from './en.ts';
import { zhCN } from './zh-CN.ts';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];
export const DEFAULT_LANG: Lang = 'zh-CN';
export type { Messages };

const catalogues: Record<Lang, Messages> = { en, 'zh-CN': zhCN };

export function messages(lang: Lang): Messages {
  return catalogues[lang];
}

export function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'zh-CN';
}

/**
 * Picks the language from the remembered choice, else the best Accept-Language match, else the default.
 * Only the two supported tags matter, so a small scan beats a full RFC 4647 parser.
 */
export function negotiateLang(remembered: string | undefined, acceptLanguage: string | undefined): Lang {
  if (isLang(remembered)) return remembered;
  if (!acceptLanguage) return DEFAULT_LANG;
  let best: Lang | undefined;
  let bestQ = -1;
  for (const part of acceptLanguage.slice(0, 500).split(',')) {
    const [tagRaw, ...params] = part.trim().split(';');
    const tag = (tagRaw ?? '').trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (!Number.isFinite(q) || q <= 0) continue;
    const lang: Lang | undefined = tag.startsWith('zh') ? 'zh-CN' : tag.startsWith('en') ? 'en' : undefined;
    if (lang && q > bestQ) {
      best = lang;
      bestQ = q;
    }
  }
  return best ?? DEFAULT_LANG;
}

/** Fills {name} placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

/**
 * A feature module's own messages, in both languages, checked to have the same shape:
 * `const m = catalogue({ en: {...}, 'zh-CN': {...} }); m(lang).title`.
 */
export function catalogue<T>(messagesByLang: { en: T; 'zh-CN': T }): (lang: Lang) => T {
  return (lang) => messagesByLang[lang];
}
