/** Small view helpers shared by the law and guides back-office forms and public pages. */
import { labelledField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';

export interface TextAreaOptions {
  name: string;
  label: string;
  value: string;
  error?: string;
  hint?: string;
  rows?: number;
  maxLength?: number;
  required?: boolean;
  lang?: string;
}

/** A labelled textarea with its hint and error tied to it, like textField() in platform/views/forms.ts. */
export function textArea(o: TextAreaOptions): SafeHtml {
  return labelledField(
    o,
    (id, aria) =>
      html`<textarea id="${id}" name="${o.name}" rows="${o.rows ?? 6}"${o.lang ? html` lang="${o.lang}"` : ''}${o.maxLength ? html` maxlength="${o.maxLength}"` : ''}${o.required ? html` required` : ''}${aria}>${o.value}</textarea>`,
  );
}

/** Plain text as paragraphs: a blank line starts a new paragraph, a single line break stays a break. */
export function paragraphs(text: string): SafeHtml {
  const blocks = text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter(Boolean);
  return html`${blocks.map((b) => {
    const lines = b.split('\n');
    return html`<p>${lines.map((line, i) => html`${i > 0 ? html`<br>` : ''}${line}`)}</p>`;
  })}`;
}

/** Normalises what a textarea sent: CRLF to LF, trailing spaces trimmed. */
export function cleanText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}

/** A date as YYYY-MM-DD (UTC): the same in both languages and unambiguous. */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
