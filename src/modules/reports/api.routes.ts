/**
 * The JSON intake API (/api/v1), for front ends other than the web form: the messaging-platform
 * adapter, apps. Reports go through the same IntakeService.submit as every other path, with the
 * same checks. Documented in docs/API.md.
 *
 * No cookies, no CSRF token: the routes of this scope drop the Cookie header before anything else
 * runs, so no session, language cookie or CSRF anchor can ever be used here. A cross-site request
 * therefore carries no authority a forged one would not (CSRF protects a browser's ambient
 * credentials; here there are none), and every request pays its own proof of work instead. The
 * exemption is declared on each route (config.csrf: false) and checked at registration: only
 * public routes under /api/v1/ may have it, and every route of this scope must.
 *
 * Every answer is JSON: success as application/json, every refusal as an RFC 9457 problem in the
 * language of Accept-Language, never an HTML page, a 500 for bad input, or a stack trace.
 */
import crypto from 'node:crypto';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { clientSecretKeys } from '../../platform/crypto/index.ts';
import { apiMessages, type FieldCode, PROBLEMS, type Problem } from './api.messages.ts';
import { apiUploadOf, fileOutcomes, readReportField, registerApiMultipart } from './api.multipart.ts';
import {
  API_BODY_LIMIT,
  API_PREFIX,
  ApiProblem,
  apiLang,
  mediaTypeOf,
  NO_STORE,
  problemOf,
  sendProblem,
} from './api.problems.ts';
import {
  CHALLENGE_RESPONSE,
  MULTIPART_REPORT_BODY,
  NO_QUERY,
  QUESTIONNAIRES_RESPONSE,
  RECEIPT_RESPONSE,
  REPORT_BODY,
  REPORT_HEADERS,
  type ReportBody,
  strictValidator,
} from './api.schemas.ts';
import type { AttachmentOutcome } from './attachments.ts';
import {
  type IntakeReceipt,
  type IntakeRefusal,
  IntakeRefused,
  type IntakeRequest,
} from './intake.service.ts';
import type { ReportsServices } from './module.ts';
import { leadingZeroBits } from './pow.ts';
import { DEFAULT_MAX_LENGTH } from './questionnaire.ts';

export { API_BODY_LIMIT, API_PREFIX, ApiProblem };

/**
 * Every route of the API scope: under /api/v1/, public, and exempt from the CSRF check on purpose
 * (its requests carry no cookie). Anything else registered there fails at start-up.
 */
export function checkApiRoute(route: { url: string; config?: { csrf?: boolean; access?: unknown } }): void {
  if (!route.url.startsWith(`${API_PREFIX}/`) || route.config?.csrf !== false)
    throw new Error(`${route.url}: API routes live under ${API_PREFIX}/ and declare csrf: false`);
  if (route.config?.access !== 'public') throw new Error(`${route.url}: API routes are public`);
}

export function registerApiRoutes(app: FastifyInstance, ctx: AppContext, s: ReportsServices): void {
  app.register(
    async (scope) => {
      // The exemption from the CSRF check, narrow and enforced: see the file comment.
      scope.addHook('onRoute', checkApiRoute);
      scope.addHook('onRequest', (req, _reply, done) => {
        delete req.headers.cookie;
        req.vigilCookies = Object.create(null);
        done();
      });
      scope.setErrorHandler((err: FastifyError, req, reply) => {
        // Every route here is exempt, so only the not-found handler meets the global CSRF check
        // (a DELETE or PUT to an address that does not exist): that is a 404, not a missing token.
        if (err.code === 'VIGIL_CSRF') return sendProblem(ctx, req, reply, new ApiProblem('not-found', 404));
        const p = problemOf(err);
        if (p) return sendProblem(ctx, req, reply, p);
        req.log.error({ err, route: req.routeOptions.url }, 'API request failed');
        return sendProblem(ctx, req, reply, new ApiProblem('server-error', 500));
      });
      scope.setNotFoundHandler((req, reply) =>
        sendProblem(ctx, req, reply, new ApiProblem('not-found', 404)),
      );
      registerReadRoutes(scope, ctx, s);
      registerReportRoute(scope, ctx, s);
    },
    { prefix: API_PREFIX },
  );
}

const config = { access: 'public', csrf: false } as const;

function registerReadRoutes(scope: FastifyInstance, ctx: AppContext, s: ReportsServices): void {
  scope.get(
    '/questionnaires',
    {
      config,
      validatorCompiler: strictValidator,
      schema: { querystring: NO_QUERY, response: { 200: QUESTIONNAIRES_RESPONSE } },
    },
    async (_req, reply) => {
      const snap = await s.directory.snapshot();
      const questionnaires = snap.offered.map((q) => {
        const channel = snap.channels.get(q.channelId);
        return {
          id: q.id,
          kind: q.kind,
          version: q.version,
          topics: q.topics,
          channel: { id: q.channelId, name: channel?.name, description: channel?.description },
          definition: q.definition,
        };
      });
      const limits = {
        bodyBytes: API_BODY_LIMIT,
        maxFileBytes: ctx.config.reports.maxFileBytes,
        maxFiles: ctx.config.reports.maxFiles,
        defaultMaxLength: DEFAULT_MAX_LENGTH,
      };
      return reply.headers(NO_STORE).send({ questionnaires, limits });
    },
  );

  scope.get(
    '/challenge',
    {
      config,
      validatorCompiler: strictValidator,
      schema: { querystring: NO_QUERY, response: { 200: CHALLENGE_RESPONSE } },
    },
    async (_req, reply) => reply.headers(NO_STORE).send({ challenge: s.pow.issue(), bits: s.pow.bits }),
  );

  // The `type` of each problem is an address here, so it can be looked up.
  scope.get<{ Params: { slug: string } }>(
    '/problems/:slug',
    {
      config,
      validatorCompiler: strictValidator,
      schema: {
        params: {
          type: 'object',
          required: ['slug'],
          properties: { slug: { type: 'string', maxLength: 40 } },
        },
        querystring: NO_QUERY,
      },
    },
    async (req, reply) => {
      const slug = req.params.slug as Problem;
      if (!PROBLEMS.includes(slug)) throw new ApiProblem('not-found', 404);
      const lang = apiLang(req);
      const { title, detail } = apiMessages(lang).problems[slug];
      return reply
        .headers({ ...NO_STORE, 'content-language': lang, vary: 'Accept-Language' })
        .send({ type: `${ctx.config.publicUrl}${API_PREFIX}/problems/${slug}`, title, detail });
    },
  );
}

function registerReportRoute(scope: FastifyInstance, ctx: AppContext, s: ReportsServices): void {
  const receiptOf = (r: IntakeReceipt, files?: AttachmentOutcome[]) => ({
    reference: r.reference,
    receiptCode: r.receiptCode ?? '',
    registeredAt: new Date(r.registeredAt).toISOString(),
    followUpUrl: `${ctx.config.publicUrl}/report/follow-up`,
    // What the reporter should be told about each file: its name, type, and what was removed.
    ...(files
      ? {
          files: files.flatMap((f) =>
            f.stored
              ? [{ name: f.stored.meta.name, type: f.stored.meta.type, removed: f.stored.meta.removed }]
              : [],
          ),
        }
      : {}),
  });
  registerApiMultipart(scope, ctx, s, (pow) => powProblem(s, pow));

  scope.post<{ Body: unknown; Headers: { 'idempotency-key': string } }>(
    '/reports',
    {
      config,
      bodyLimit: API_BODY_LIMIT,
      validatorCompiler: strictValidator,
      schema: {
        headers: REPORT_HEADERS,
        querystring: NO_QUERY,
        body: {
          content: {
            'application/json': { schema: REPORT_BODY },
            'multipart/form-data': { schema: MULTIPART_REPORT_BODY },
          },
        },
        response: { '2xx': RECEIPT_RESPONSE },
      },
      // Refused before a byte of the body is read: JSON (UTF-8), or multipart with files.
      onRequest: (req, _reply, done) => {
        const { type, charset } = mediaTypeOf(req);
        const ok =
          (type === 'application/json' && (charset === undefined || charset === 'utf-8')) ||
          type === 'multipart/form-data';
        done(ok ? undefined : new ApiProblem('unsupported-media-type', 415));
      },
    },
    async (req, reply) => {
      const upload = apiUploadOf(req);
      const form = upload?.form;
      if (form?.problem === 'too-large' || form?.truncated) throw new ApiProblem('too-large', 413);
      if (form?.problem) throw new ApiProblem('bad-request', 400, { body: 'bad-format' });
      const body = upload ? (upload.body ?? readReportField(form?.fields ?? {})) : (req.body as ReportBody);
      // The same key never makes two reports; its holder gets the first receipt back. A repeat
      // usually sends the challenge the first request used up: only then is the key looked up
      // here (otherwise the intake service does it, so a new report costs one lookup, not two).
      const submissionKey = `api:${req.headers['idempotency-key']}`;
      if (upload?.earlier) return reply.code(200).headers(NO_STORE).send(receiptOf(upload.earlier));
      const refusal = upload?.powChecked ? undefined : powProblem(s, body.pow);
      if (refusal) {
        const earlier = await s.intake.findSubmission(clientSecretKeys(ctx.keys.reporter, submissionKey));
        if (earlier) return reply.code(200).headers(NO_STORE).send(receiptOf(earlier));
        throw refusal;
      }

      const files = form ? fileOutcomes(form) : undefined;
      if (files && Object.keys(files.errors).length > 0)
        throw new ApiProblem('invalid-report', 422, files.errors);
      const stored = files?.outcomes.flatMap((o) => (o.stored ? [o.stored] : [])) ?? [];
      const request: IntakeRequest = {
        questionnaireId: body.questionnaire,
        ...(body.version !== undefined ? { questionnaireVersion: body.version } : {}),
        answers: body.answers,
        identity: body.identity,
        source: body.source ?? 'api',
        lang: body.lang,
        submissionKey,
        ...(upload && stored.length > 0 ? { files: stored, contentKey: upload.contentKey } : {}),
      };
      try {
        const receipt = await s.intake.submit(request);
        // The report took its files; a repeat that raced the first made none (they are removed).
        if (upload && !receipt.repeated) upload.kept = true;
        return reply
          .code(receipt.repeated ? 200 : 201)
          .headers(NO_STORE)
          .send(receiptOf(receipt, receipt.repeated ? undefined : files?.outcomes));
      } catch (err) {
        if (err instanceof IntakeRefused) throw await refusalProblem(ctx, s, err.refusal, body);
        throw err;
      }
    },
  );
}

/**
 * Checks (and on success uses up) the proof of work; the problem to answer with when it fails. API
 * clients always solve it: there is no no-JavaScript fallback here.
 */
function powProblem(s: ReportsServices, pow: ReportBody['pow']): ApiProblem | undefined {
  if (s.pow.bits > 0 && !pow.nonce)
    return new ApiProblem('proof-of-work', 422, { 'pow.nonce': 'pow-missing' });
  const verdict = s.pow.verify(pow.challenge, pow.nonce);
  if (verdict === 'ok') return undefined;
  const code: FieldCode =
    verdict === 'expired' ? 'pow-expired' : verdict === 'reused' ? 'pow-reused' : 'pow-invalid';
  // 'invalid' is either a forged challenge or a nonce that does not solve it: one hash tells which.
  const nonceFails =
    verdict === 'invalid' &&
    s.pow.bits > 0 &&
    leadingZeroBits(crypto.createHash('sha256').update(`${pow.challenge}:${pow.nonce}`).digest()) <
      s.pow.bits;
  const field = nonceFails ? 'pow.nonce' : 'pow.challenge';
  return new ApiProblem('proof-of-work', 422, { [field]: code });
}

async function refusalProblem(
  ctx: AppContext,
  s: ReportsServices,
  refusal: IntakeRefusal,
  body: ReportBody,
): Promise<ApiProblem> {
  switch (refusal.kind) {
    case 'unknown-questionnaire': {
      const known = (await s.directory.snapshot()).offered.some((q) => q.id === body.questionnaire);
      return new ApiProblem(
        'unknown-questionnaire',
        422,
        known && body.version !== undefined ? { version: 'unknown' } : { questionnaire: 'unknown' },
      );
    }
    case 'channel-closed':
      return new ApiProblem('channel-closed', 503);
    case 'no-recipient':
      return new ApiProblem('no-recipient', 503);
    case 'busy':
      return new ApiProblem('busy', 429, undefined, await retryAfter(ctx, s, body.questionnaire));
    case 'invalid': {
      const errors: Record<string, FieldCode> = Object.create(null);
      for (const [key, code] of Object.entries(refusal.errors))
        errors[key.startsWith('identity.') ? key : `answers.${key}`] = code;
      return new ApiProblem('invalid-report', 422, errors);
    }
  }
}

/** Seconds until the slower of the node-wide and the channel's rate limits has room again. */
async function retryAfter(ctx: AppContext, s: ReportsServices, questionnaireId: string): Promise<number> {
  const snap = await s.directory.snapshot();
  const channelId = snap.questionnaires.get(questionnaireId)?.channelId;
  const perMinute = (channelId && snap.channels.get(channelId)?.maxPerMinute) || 60;
  const seconds = Math.max(1 / ctx.config.reports.ratePerSecond, 60 / perMinute);
  return Math.min(60, Math.max(1, Math.ceil(seconds)));
}
