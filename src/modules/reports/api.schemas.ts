/**
 * The JSON intake API's route schemas and their validator. Fastify's shared Ajv coerces types and
 * silently drops unknown properties (its defaults, right for HTML forms); an API must say what was
 * wrong instead, so these routes validate with their own strict Ajv: no coercion, no removal, every
 * error reported (the body is bounded, so reporting them all stays cheap). Each Ajv error is turned
 * into a field name and a stable code for the problem's `errors` member.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldCode } from './api.messages.ts';

/** The Idempotency-Key header: a client-chosen secret (see docs/API.md). */
export const IDEMPOTENCY_KEY_PATTERN = '^[A-Za-z0-9_-]{22,128}$';

/** The longest answer any question can take (questionnaire.ts caps maxLength at 20,000). */
const ANSWER_MAX = 20_000;

const answerValue = {
  anyOf: [
    { type: 'string', maxLength: ANSWER_MAX },
    { type: 'array', maxItems: 30, items: { type: 'string', maxLength: 100 } },
    {
      type: 'object',
      additionalProperties: false,
      properties: { from: { type: 'string', maxLength: 40 }, to: { type: 'string', maxLength: 40 } },
    },
    { type: 'null' },
  ],
} as const;

/** A report as JSON: the body of POST /api/v1/reports (and the "report" field of its multipart form). */
export const REPORT_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['questionnaire', 'answers', 'identity', 'lang', 'pow'],
  properties: {
    questionnaire: { type: 'string', minLength: 1, maxLength: 100 },
    version: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    answers: {
      type: 'object',
      maxProperties: 500,
      propertyNames: { maxLength: 40 },
      additionalProperties: answerValue,
    },
    identity: {
      type: 'object',
      additionalProperties: false,
      required: ['mode'],
      properties: {
        mode: { type: 'string', enum: ['anonymous', 'confidential', 'named'] },
        // Generous here: the intake service checks the real limits (200 and 500) with clear codes.
        name: { type: 'string', maxLength: 1000 },
        contact: { type: 'string', maxLength: 2000 },
      },
    },
    lang: { type: 'string', enum: ['en', 'zh-CN'] },
    source: { type: 'string', enum: ['api', 'messaging'] },
    pow: {
      type: 'object',
      additionalProperties: false,
      required: ['challenge'],
      properties: {
        challenge: { type: 'string', minLength: 1, maxLength: 100 },
        nonce: { type: 'string', maxLength: 32 },
      },
    },
  },
} as const;

export interface ReportBody {
  questionnaire: string;
  version?: number;
  answers: Record<string, unknown>;
  identity: { mode: 'anonymous' | 'confidential' | 'named'; name?: string; contact?: string };
  lang: 'en' | 'zh-CN';
  source?: 'api' | 'messaging';
  pow: { challenge: string; nonce?: string };
}

/** The text fields of the multipart variant: the report as JSON (the files are parts of their own). */
export const MULTIPART_REPORT_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['report'],
  properties: { report: { type: 'string' } },
} as const;

export const REPORT_HEADERS = {
  type: 'object',
  required: ['idempotency-key'],
  properties: { 'idempotency-key': { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN } },
} as const;

export const NO_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const;

const localText = {
  type: 'object',
  properties: { en: { type: 'string' }, 'zh-CN': { type: 'string' } },
} as const;

export const RECEIPT_RESPONSE = {
  type: 'object',
  required: ['reference', 'receiptCode', 'registeredAt', 'followUpUrl'],
  properties: {
    reference: { type: 'string' },
    receiptCode: { type: 'string' },
    registeredAt: { type: 'string' },
    followUpUrl: { type: 'string' },
    files: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          type: { type: 'string' },
          removed: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;

export const CHALLENGE_RESPONSE = {
  type: 'object',
  properties: { challenge: { type: 'string' }, bits: { type: 'integer' } },
} as const;

export const QUESTIONNAIRES_RESPONSE = {
  type: 'object',
  properties: {
    questionnaires: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          kind: { type: 'string' },
          version: { type: 'integer' },
          topics: { type: 'array', items: { type: 'string' } },
          channel: {
            type: 'object',
            properties: { id: { type: 'string' }, name: localText, description: localText },
          },
          // The whole definition (questionnaire.ts), passed through as it is.
          definition: { type: 'object', additionalProperties: true },
        },
      },
    },
    limits: {
      type: 'object',
      properties: {
        bodyBytes: { type: 'integer' },
        maxFileBytes: { type: 'integer' },
        maxFiles: { type: 'integer' },
        defaultMaxLength: { type: 'object', additionalProperties: { type: 'integer' } },
      },
    },
  },
} as const;

type Validator = ((data: unknown) => boolean) & { errors?: unknown };

const buildStrict = AjvCompiler()({}, {
  customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true },
} as never) as unknown as (route: unknown) => Validator;

/** The strict validator for the API's routes, compiled on first use (like lazy-validators.ts). */
export const strictValidator: FastifySchemaCompiler<unknown> = (route) => {
  let compiled: Validator | undefined;
  const validate: Validator = (data: unknown) => {
    compiled ??= buildStrict(route);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  };
  return validate as never;
};

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

const CODE_OF: Record<string, FieldCode> = {
  type: 'wrong-type',
  anyOf: 'wrong-type',
  required: 'required',
  additionalProperties: 'unknown-field',
  maxLength: 'too-long',
  maxItems: 'too-many',
  maxProperties: 'too-many',
  enum: 'not-an-option',
  minimum: 'out-of-range',
  maximum: 'out-of-range',
};

/** When one value fails several branches of an anyOf, the most telling code wins. */
const RANK: Partial<Record<FieldCode, number>> = { 'too-long': 3, 'too-many': 2, 'not-an-option': 1 };

const HEADER_NAMES: Record<string, string> = { 'idempotency-key': 'Idempotency-Key' };

/**
 * Field names and codes for Ajv's errors: `answers.summary`, `identity.mode`, `Idempotency-Key`.
 * The result has no prototype, since field names come from the client.
 */
export function fieldErrorsOf(validation: unknown, context: string | undefined): Record<string, FieldCode> {
  const out: Record<string, FieldCode> = Object.create(null);
  const list = Array.isArray(validation) ? (validation as AjvError[]) : [];
  for (const e of list.slice(0, 100)) {
    const path = String(e.instancePath ?? '')
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'required') path.push(String(e.params?.missingProperty ?? ''));
    if (e.keyword === 'additionalProperties') path.push(String(e.params?.additionalProperty ?? ''));
    if (e.keyword === 'propertyNames') {
      // Reported once more by the failing keyword inside propertyNames; this one names the property.
      path.push(String(e.params?.propertyName ?? ''));
    }
    let field = path.join('.');
    if (context === 'headers') field = HEADER_NAMES[field] ?? field;
    else if (context === 'querystring') field = `query.${field}`;
    if (!field) field = 'body';
    const code: FieldCode =
      e.keyword === 'propertyNames'
        ? 'bad-format'
        : e.keyword === 'minLength'
          ? 'required'
          : (CODE_OF[e.keyword] ?? 'bad-format');
    const before = out[field];
    if (before === undefined || (RANK[code] ?? 0) > (RANK[before] ?? 0)) out[field] = code;
    if (Object.keys(out).length >= 20) break;
  }
  // A value that fails every branch of an anyOf is also "of the wrong type" for the branches it
  // did not take: when something inside it is named, that is the telling error.
  const fields = Object.keys(out);
  for (const field of fields)
    if (out[field] === 'wrong-type' && fields.some((f) => f.startsWith(`${field}.`))) delete out[field];
  return out;
}
