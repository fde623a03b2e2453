import type { FastifyInstance } from 'fastify';

export class FormParseError extends Error {
  readonly statusCode = 400;
}

/**
 * Parses application/x-www-form-urlencoded bodies into plain string fields. A repeated field keeps
 * every value as an array (checkbox groups); broken percent-encoding or broken UTF-8 never throws:
 * URLSearchParams replaces bad sequences with U+FFFD, and the form's own validation says what is wrong.
 */
export function parseUrlEncoded(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(body)) {
    const value = stripControlCharacters(v);
    const existing = out[k];
    if (existing === undefined) out[k] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[k] = [existing, value];
  }
  return out;
}

/** Removes NUL and other C0 control characters except tab, newline and carriage return. */
export function stripControlCharacters(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseUrlEncoded(body as string));
    } catch {
      done(new FormParseError('malformed form body'), undefined);
    }
  });
}

/** The first value of a field that may have been sent several times. */
export function firstValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return '';
}

/** All values of a field (checkbox groups). */
export function allValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** A JSON schema for a form body: every field is a string or a list of strings, each bounded. */
export function formBodySchema(fields: Record<string, number>, required: string[] = []) {
  const properties: Record<string, unknown> = {};
  for (const [name, maxLength] of Object.entries(fields)) {
    properties[name] = {
      anyOf: [
        { type: 'string', maxLength },
        { type: 'array', maxItems: 50, items: { type: 'string', maxLength } },
      ],
    };
  }
  return { type: 'object', properties, required, additionalProperties: true } as const;
}

export interface FormInput {
  /** Each field's first value, cut to its maximum length. */
  values: Record<string, string>;
  /** Each field's values when it may repeat (checkbox groups). */
  lists: Record<string, string[]>;
  /** True when something was cut or did not match the route's schema: say so, keep the rest. */
  truncated: boolean;
}

/**
 * Reads a form body robustly, whatever arrived: a missing body, wrong types, repeated fields or
 * oversized values never throw. The page then validates the values and re-renders with them.
 */
export function readForm(body: unknown, fields: Record<string, number>, validationFailed = false): FormInput {
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const values: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  let truncated = validationFailed;
  for (const [name, max] of Object.entries(fields)) {
    const all = allValues(raw[name]);
    const first = firstValue(raw[name]);
    if (first.length > max || all.some((v) => v.length > max)) truncated = true;
    values[name] = first.slice(0, max);
    lists[name] = all.slice(0, 50).map((v) => v.slice(0, max));
  }
  return { values, lists, truncated };
}
