/**
 * The API's refusals as RFC 9457 problem documents (application/problem+json), in the language of
 * Accept-Language, and the mapping of whatever a request can throw (a parser, a schema, a hook) to
 * one: only a fault of ours is a 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { statusOf } from '../../platform/http/errors.ts';
import { type Lang, negotiateLang } from '../../platform/views/i18n/index.ts';
import { apiMessages, type FieldCode, type Problem } from './api.messages.ts';
import { fieldErrorsOf } from './api.schemas.ts';

export const API_PREFIX = '/api/v1';
/**
 * The largest JSON body: a long answer can be 20,000 characters, up to 120 kB once JSON-escaped,
 * and a questionnaire can have a few of them. Anything larger is refused (413) before it is parsed.
 */
export const API_BODY_LIMIT = 512 * 1024;

/** A refusal to send as a problem document. */
export class ApiProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly status: number,
    readonly errors?: Record<string, FieldCode>,
    readonly retryAfterSeconds?: number,
  ) {
    super(problem);
  }
}

/** The language of the answer: Accept-Language only (this API reads no cookie). */
export function apiLang(req: FastifyRequest): Lang {
  const header = req.headers['accept-language'];
  return negotiateLang(undefined, typeof header === 'string' ? header : undefined);
}

export function problemBody(ctx: AppContext, lang: Lang, p: ApiProblem) {
  const m = apiMessages(lang);
  const text = m.problems[p.problem];
  const body: Record<string, unknown> = {
    type: `${ctx.config.publicUrl}${API_PREFIX}/problems/${p.problem}`,
    title: text.title,
    status: p.status,
    detail: text.detail,
  };
  if (p.errors && Object.keys(p.errors).length > 0) {
    const errors: Record<string, { code: FieldCode; message: string }> = Object.create(null);
    for (const [field, code] of Object.entries(p.errors)) errors[field] = { code, message: m.fields[code] };
    body.errors = errors;
  }
  return body;
}

export function sendProblem(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  p: ApiProblem,
): FastifyReply {
  const lang = apiLang(req);
  reply
    .code(p.status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header('content-language', lang)
    .header('cache-control', 'no-store')
    .header('vary', 'Accept-Language');
  if (p.retryAfterSeconds !== undefined) reply.header('retry-after', String(p.retryAfterSeconds));
  return reply.send(JSON.stringify(problemBody(ctx, lang, p)));
}

/** Maps whatever was thrown to a problem; only a fault of ours is a 500 (logged, without detail). */
export function problemOf(err: FastifyError | ApiProblem): ApiProblem | undefined {
  if (err instanceof ApiProblem) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiProblem('malformed-json', 400);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiProblem('too-large', 413);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiProblem('unsupported-media-type', 415);
  }
  if (err.validation)
    return new ApiProblem('bad-request', 400, fieldErrorsOf(err.validation, err.validationContext));
  const status = statusOf(err);
  if (status >= 500) return undefined;
  if (status === 404) return new ApiProblem('not-found', 404);
  if (status === 413) return new ApiProblem('too-large', 413);
  if (status === 415) return new ApiProblem('unsupported-media-type', 415);
  return new ApiProblem('bad-request', status);
}

export function mediaTypeOf(req: FastifyRequest): { type: string; charset: string | undefined } {
  const raw = String(req.headers['content-type'] ?? '');
  const [type = '', ...params] = raw.split(';');
  let charset: string | undefined;
  for (const p of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]*)"?\s*$/i.exec(p);
    if (m) charset = (m[1] ?? '').toLowerCase();
  }
  return { type: type.trim().toLowerCase(), charset };
}

export const NO_STORE = { 'cache-control': 'no-store' };
