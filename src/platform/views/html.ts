/**
 * HTML templating with escaping by default. `html` is a tagged template: every interpolated value
 * is escaped unless it is itself the result of `html` (or `unsafeRaw`, for markup Vigil produced
 * and sanitised itself). Arrays are joined; null, undefined and false render nothing.
 * This keeps "forgot to escape" from being a possible bug, which JSX with @kitajs/html does not.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPE_ALL = /[&<>"']/g;

export function escapeHtml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, (c) => ESCAPES[c]!) : text;
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Markup that Vigil generated itself (an SVG it drew, sanitised Markdown). Never user input. */
export function unsafeRaw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
