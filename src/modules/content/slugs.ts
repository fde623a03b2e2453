/**
 * Slugs for post addresses, tags and series. Letters and digits of any script survive (a Chinese
 * tag stays Chinese), everything else becomes a single dash; the result is lower-case NFKC.
 */

/** Letters, marks and digits of any script, joined by single dashes. */
export const SLUG_PATTERN = /^[\p{L}\p{M}\p{N}]+(?:-[\p{L}\p{M}\p{N}]+)*$/u;
/** Report topics are the questionnaire keys of the reporting channel: ASCII only. */
export const TOPIC_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const MAX_SLUG = 80;
export const MAX_TAG = 40;
export const MAX_TAGS = 12;

export function slugify(text: string, max = MAX_SLUG): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
}

/** Splits "Recruitment, 招聘、Fake headhunters" into normalised, distinct tag slugs (in order). */
export function normaliseTags(raw: string): string[] {
  const out: string[] = [];
  for (const part of raw.split(/[,，、;；\n]/)) {
    const tag = slugify(part, MAX_TAG);
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}
