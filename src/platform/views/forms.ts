/**
 * Form rendering and validation shared by every form: labelled fields, hints, errors announced to
 * screen readers and tied to their field, and an error summary that links to each field. Values the
 * person typed are always rendered back (never passwords).
 */
import { html, type SafeHtml } from './html.ts';
import { fill, type Messages } from './i18n/index.ts';

export type FieldErrors = Record<string, string>;

export interface TextFieldOptions {
  name: string;
  label: string;
  value?: string;
  error?: string;
  hint?: string;
  type?: 'text' | 'password' | 'search' | 'date' | 'email';
  autocomplete?: string;
  required?: boolean;
  maxLength?: number;
  inputMode?: 'numeric' | 'text';
  autofocus?: boolean;
}

/**
 * The frame every labelled field shares: the label, the hint and the error, with the control's id
 * and its aria attributes (describedby the hint and error, invalid on error) handed to `control`.
 */
export function labelledField(
  o: { name: string; label: string; hint?: string | undefined; error?: string | undefined },
  control: (id: string, aria: SafeHtml) => SafeHtml,
): SafeHtml {
  const id = `f-${o.name}`;
  const describedBy = [o.hint ? `${id}-hint` : '', o.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const aria = html`${describedBy ? html` aria-describedby="${describedBy}"` : ''}${o.error ? html` aria-invalid="true"` : ''}`;
  return html`<div class="field">
<label for="${id}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
${o.error ? html`<p class="field-error" id="${id}-error">${o.error}</p>` : ''}
${control(id, aria)}
</div>`;
}

export function textField(o: TextFieldOptions): SafeHtml {
  return labelledField(
    o,
    (id, aria) =>
      html`<input id="${id}" name="${o.name}" type="${o.type ?? 'text'}"${o.type === 'password' ? '' : html` value="${o.value ?? ''}"`}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.required ? html` required` : ''}${o.maxLength ? html` maxlength="${o.maxLength}"` : ''}${o.inputMode ? html` inputmode="${o.inputMode}"` : ''}${aria}${o.autofocus ? html` autofocus` : ''}>`,
  );
}

export function errorSummary(t: Messages, errors: FieldErrors, labels: Record<string, string>): SafeHtml {
  const entries = Object.entries(errors);
  if (entries.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1"><h2>${t.forms.fixErrors}</h2><ul>${entries.map(
    ([field, message]) =>
      field === '_form'
        ? html`<li>${message}</li>`
        : html`<li><a href="#f-${field}">${joinLabel(labels[field] ?? field)}${message}</a></li>`,
  )}</ul></div>`;
}

/** "Label: " — without a second mark when the label already ends in one ("Why?" not "Why?:"). */
function joinLabel(label: string): string {
  return /[?？:：!！]$/.test(label) ? `${label} ` : `${label}: `;
}

export function hiddenCsrf(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** Checks a text value: trimmed, required or not, within length bounds. Returns the message or undefined. */
export function checkText(
  t: Messages,
  value: string,
  rules: { required?: boolean; min?: number; max: number },
): string | undefined {
  if (rules.required && value.trim() === '') return t.forms.required;
  if (value.length > rules.max) return fill(t.forms.tooLong, { max: rules.max });
  if (rules.min !== undefined && value.length > 0 && value.length < rules.min)
    return fill(t.forms.tooShort, { min: rules.min });
  return undefined;
}
