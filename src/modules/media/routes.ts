/**
 * Media routes: the public file address (/media/:id/:variant) and the back office (/admin/media).
 * All of them live in one plugin scope, the only one where multipart/form-data is parsed.
 */
import fs from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import type { Role } from '../../platform/db/schema.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import {
  type MultipartLimits,
  multipartOf,
  registerMultipart,
  type UploadedFile,
} from '../../platform/http/multipart.ts';
import { langOf, tOf } from '../../platform/http/request.ts';
import type { FieldErrors } from '../../platform/views/forms.ts';
import { fill, type Lang } from '../../platform/views/i18n/index.ts';
import type { Flash } from '../../platform/views/layout.ts';
import {
  type DetailState,
  mediaDetailView,
  mediaListView,
  megabytes,
  newImageView,
  newVideoView,
} from './admin.views.ts';
import { type MediaMessages, mediaMessages } from './messages.ts';
import { sendFile } from './serve.ts';
import { ALT_MAX, type FileSource, type MediaProblem, type MediaService } from './service.ts';
import { MEDIA_ID, VARIANT_NAME } from './storage.ts';
import { MAX_CAPTIONS_BYTES, type VttIssue } from './webvtt.ts';

export const VIEW_ROLES: readonly Role[] = ['editor', 'reviewer', 'admin'];
export const EDIT_ROLES: readonly Role[] = ['editor', 'admin'];

const FIELDS = { altZh: 1000, altEn: 1000 };
const FIELD_BYTES = 4096;
const SLACK = 64 * 1024;
const PER_PAGE = 30;

const ID_PARAMS = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 36 } },
  required: ['id'],
} as const;
const FILE_PARAMS = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: MEDIA_ID.source },
    variant: { type: 'string', pattern: VARIANT_NAME.source },
  },
  required: ['id', 'variant'],
} as const;
const LIST_QUERY = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 1, maximum: 100_000 },
    m: { type: 'string', maxLength: 20 },
  },
} as const;
const FLASH_QUERY = { type: 'object', properties: { m: { type: 'string', maxLength: 20 } } } as const;

function actorOf(req: FastifyRequest): Actor {
  return { id: req.staff!.id, label: req.staff!.username };
}

function canEdit(req: FastifyRequest): boolean {
  return req.staff?.roles.some((r) => EDIT_ROLES.includes(r)) ?? false;
}

function source(file: UploadedFile | undefined): FileSource | undefined {
  return file?.path ? { path: file.path, move: true } : undefined;
}

const VTT_MESSAGES: Record<VttIssue, keyof MediaMessages['errors']> = {
  encoding: 'captionsEncoding',
  'too-large': 'captionsTooLarge',
  header: 'captionsHeader',
  timing: 'captionsTiming',
  'end-before-start': 'captionsEndBeforeStart',
  'out-of-order': 'captionsOrder',
  'arrow-in-text': 'captionsArrow',
  'no-cues': 'captionsNoCues',
  'too-many-cues': 'captionsTooMany',
};

/** The message for a refused upload or change, in the page's language. */
export function problemMessage(
  m: MediaMessages,
  p: MediaProblem,
  limits: { imageBytes: number; videoBytes: number },
): string {
  const e = m.errors;
  if (p.code === 'captions') return fill(e[VTT_MESSAGES[p.issue]], { line: p.line });
  const video = p.field === 'video';
  switch (p.code) {
    case 'required':
      return p.field === 'altEn' || p.field === 'altZh'
        ? e.required
        : p.field === 'form'
          ? e.nothingChosen
          : e.fileRequired;
    case 'too-long':
      return fill(e.tooLong, { max: ALT_MAX });
    case 'wrong-type':
      return video ? e.videoWrongType : e.imageWrongType;
    case 'too-large':
      return video
        ? fill(e.videoTooLarge, { mb: megabytes(limits.videoBytes) })
        : fill(e.imageTooLarge, { mb: megabytes(limits.imageBytes) });
    case 'corrupt':
      return video ? e.corruptVideo : e.corruptImage;
    case 'too-many-pixels':
      return e.tooManyPixels;
    case 'busy':
      return e.busy;
    case 'not-found':
      return e.notFound;
    case 'in-use':
      return e.inUse;
    case 'exists':
      return e.exists;
  }
}

function statusFor(problems: readonly MediaProblem[]): number {
  if (problems.some((p) => p.code === 'busy')) return 503;
  if (problems.some((p) => p.code === 'too-large')) return 413;
  if (problems.some((p) => p.code === 'wrong-type')) return 415;
  if (problems.some((p) => p.code === 'not-found')) return 404;
  if (problems.some((p) => p.code === 'in-use')) return 409;
  return 400;
}

function toErrors(
  m: MediaMessages,
  problems: readonly MediaProblem[],
  limits: { imageBytes: number; videoBytes: number },
): FieldErrors {
  const errors: FieldErrors = {};
  for (const p of problems) {
    const key = p.field === 'form' ? '_form' : p.field;
    errors[key] ??= problemMessage(m, p, limits);
  }
  return errors;
}

/** Problems with the request itself (cut short, broken, fields too long) and with its files' sizes. */
function requestProblems(
  req: FastifyRequest,
  m: MediaMessages,
  truncated: boolean,
  fileFields: Record<string, 'image' | 'video' | 'captions'>,
  limits: { imageBytes: number; videoBytes: number },
): { errors: FieldErrors; status: number } {
  const t = tOf(req);
  const form = multipartOf(req);
  const errors: FieldErrors = {};
  let status = 400;
  if (form?.problem === 'too-large') {
    errors._form = fill(m.errors.bodyTooLarge, { mb: megabytes(limits.videoBytes) });
    status = 413;
  } else if (form?.problem === 'malformed') errors._form = m.errors.malformed;
  else if (truncated || form?.truncated) errors._form = t.forms.requestTooLong;
  for (const [name, kind] of Object.entries(fileFields)) {
    if (!form?.files.get(name)?.tooLarge) continue;
    errors[name] =
      kind === 'captions'
        ? m.errors.captionsTooLarge
        : problemMessage(m, { field: kind, code: 'too-large' }, limits);
    status = 413;
  }
  return { errors, status };
}

function altErrors(m: MediaMessages, values: Record<string, string>): FieldErrors {
  const errors: FieldErrors = {};
  for (const name of ['altZh', 'altEn'] as const) {
    const v = (values[name] ?? '').trim();
    if (v === '') errors[name] = m.errors.required;
    else if (v.length > ALT_MAX) errors[name] = fill(m.errors.tooLong, { max: ALT_MAX });
  }
  return errors;
}

function altOf(values: Record<string, string>): Record<Lang, string> {
  return { en: values.altEn ?? '', 'zh-CN': values.altZh ?? '' };
}

async function readCaptions(file: UploadedFile | undefined): Promise<Buffer | undefined> {
  if (!file?.path || file.bytes === 0) return undefined;
  return fs.promises.readFile(file.path);
}

export function registerMediaRoutes(app: FastifyInstance, ctx: AppContext, service: MediaService): void {
  const limits = service.limits;
  const imageUpload: MultipartLimits = {
    files: { image: limits.imageBytes },
    fieldBytes: FIELD_BYTES,
    fields: 10,
    totalBytes: limits.imageBytes + SLACK,
  };
  const videoUpload: MultipartLimits = {
    files: {
      video: limits.videoBytes,
      poster: limits.imageBytes,
      captionsZh: MAX_CAPTIONS_BYTES,
      captionsEn: MAX_CAPTIONS_BYTES,
    },
    fieldBytes: FIELD_BYTES,
    fields: 10,
    totalBytes: limits.videoBytes + limits.imageBytes + 2 * MAX_CAPTIONS_BYTES + SLACK,
  };
  const tracksUpload: MultipartLimits = {
    files: { poster: limits.imageBytes, captionsZh: MAX_CAPTIONS_BYTES, captionsEn: MAX_CAPTIONS_BYTES },
    fieldBytes: FIELD_BYTES,
    fields: 10,
    totalBytes: limits.imageBytes + 2 * MAX_CAPTIONS_BYTES + SLACK,
  };

  const base = (req: FastifyRequest, reply: FastifyReply) => {
    const lang = langOf(req);
    return { t: tOf(req), m: mediaMessages(lang), lang, csrf: ctx.csrf.token(req, reply) };
  };

  const renderImageForm = (
    req: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, string>,
    errors: FieldErrors,
    status = 200,
  ) => {
    const p = base(req, reply);
    return ctx.pages.admin(
      req,
      reply,
      p.m.newImageTitle,
      newImageView({ ...p, values, errors, maxImageBytes: limits.imageBytes }),
      status,
    );
  };

  const renderVideoForm = (
    req: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, string>,
    errors: FieldErrors,
    status = 200,
  ) => {
    const p = base(req, reply);
    return ctx.pages.admin(
      req,
      reply,
      p.m.newVideoTitle,
      newVideoView({
        ...p,
        values,
        errors,
        maxImageBytes: limits.imageBytes,
        maxVideoBytes: limits.videoBytes,
      }),
      status,
    );
  };

  const renderDetail = async (
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    state: Partial<DetailState>,
    status = 200,
    flash?: Flash,
  ) => {
    const item = await service.get(id);
    if (!item || item.kind === 'captions') return sendErrorPage(ctx.pages, req, reply, 404);
    const bundle = item.kind === 'video' ? await service.videoBundle(id) : undefined;
    const p = base(req, reply);
    const full: DetailState = {
      altValues: state.altValues ?? { altZh: item.alt['zh-CN'], altEn: item.alt.en },
      altErrors: state.altErrors ?? {},
      trackErrors: state.trackErrors ?? {},
      deleteErrors: state.deleteErrors ?? {},
    };
    const title = item.kind === 'video' ? p.m.detailTitleVideo : p.m.detailTitleImage;
    return ctx.pages.admin(
      req,
      reply,
      title,
      mediaDetailView({
        ...p,
        item,
        bundle,
        canEdit: canEdit(req),
        state: full,
        maxImageBytes: limits.imageBytes,
        ...(flash ? { flash } : {}),
      }),
      status,
    );
  };

  app.register(async (scope) => {
    registerMultipart(scope, { csrf: ctx.csrf, tempDir: service.storage.incoming });

    // ---- public ----
    // GET and HEAD together: Fastify's automatic HEAD route would read the whole file to measure it.
    scope.route<{ Params: { id: string; variant: string } }>({
      method: ['GET', 'HEAD'],
      url: '/media/:id/:variant',
      config: { access: 'public' },
      schema: { params: FILE_PARAMS },
      attachValidation: true,
      handler: async (req, reply) => {
        if (req.validationError) return sendErrorPage(ctx.pages, req, reply, 404);
        const { id, variant } = req.params;
        const file = await service.resolveFile(id, variant);
        if (file) {
          const sent = await sendFile(req, reply, {
            path: file.path,
            mime: file.mime,
            etag: `"${id}-${variant}-${file.bytes}"`,
            lastModified: file.createdAt,
          });
          if (sent) return reply;
        }
        return sendErrorPage(ctx.pages, req, reply, 404);
      },
    });

    // ---- back office ----
    scope.get<{ Querystring: { page?: number; m?: string } }>(
      '/admin/media',
      { config: { access: VIEW_ROLES }, schema: { querystring: LIST_QUERY }, attachValidation: true },
      async (req, reply) => {
        const p = base(req, reply);
        const page = req.validationError ? 1 : (req.query.page ?? 1);
        const { items, children, total } = await service.list(page, PER_PAGE);
        const flash: Flash | undefined =
          req.query.m === 'deleted' && !req.validationError ? { kind: 'ok', text: p.m.deleted } : undefined;
        return ctx.pages.admin(
          req,
          reply,
          p.m.listTitle,
          mediaListView({
            ...p,
            items,
            children,
            page,
            pages: Math.max(1, Math.ceil(total / PER_PAGE)),
            canUpload: canEdit(req),
            ...(flash ? { flash } : {}),
          }),
        );
      },
    );

    scope.get('/admin/media/images/new', { config: { access: EDIT_ROLES } }, (req, reply) =>
      renderImageForm(req, reply, { altZh: '', altEn: '' }, {}),
    );

    scope.post(
      '/admin/media/images',
      {
        config: { access: EDIT_ROLES, multipart: imageUpload },
        schema: { body: formBodySchema(FIELDS) },
        attachValidation: true,
      },
      async (req, reply) => {
        const m = mediaMessages(langOf(req));
        const form = readForm(req.body, FIELDS, req.validationError !== undefined);
        const values = form.values;
        const pre = requestProblems(req, m, form.truncated, { image: 'image' }, limits);
        const file = source(multipartOf(req)?.files.get('image'));
        if (Object.keys(pre.errors).length > 0 || !file) {
          const errors = { ...altErrors(m, values), ...pre.errors };
          if (!file && !errors.image) errors.image = m.errors.fileRequired;
          return renderImageForm(req, reply, values, errors, pre.status);
        }
        const result = await service.storeImage({ source: file, alt: altOf(values), actor: actorOf(req) });
        if (!result.ok)
          return renderImageForm(
            req,
            reply,
            values,
            toErrors(m, result.problems, limits),
            statusFor(result.problems),
          );
        return reply.redirect(`/admin/media/${result.value.id}?m=uploaded`, 303);
      },
    );

    scope.get('/admin/media/videos/new', { config: { access: EDIT_ROLES } }, (req, reply) =>
      renderVideoForm(req, reply, { altZh: '', altEn: '' }, {}),
    );

    scope.post(
      '/admin/media/videos',
      {
        config: { access: EDIT_ROLES, multipart: videoUpload },
        schema: { body: formBodySchema(FIELDS) },
        attachValidation: true,
      },
      async (req, reply) => {
        const m = mediaMessages(langOf(req));
        const form = readForm(req.body, FIELDS, req.validationError !== undefined);
        const values = form.values;
        const pre = requestProblems(
          req,
          m,
          form.truncated,
          { video: 'video', poster: 'image', captionsZh: 'captions', captionsEn: 'captions' },
          limits,
        );
        const files = multipartOf(req)?.files;
        const video = source(files?.get('video'));
        if (Object.keys(pre.errors).length > 0 || !video) {
          const errors = { ...altErrors(m, values), ...pre.errors };
          if (!video && !errors.video) errors.video = m.errors.fileRequired;
          return renderVideoForm(req, reply, values, errors, pre.status);
        }
        const poster = source(files?.get('poster'));
        const zh = await readCaptions(files?.get('captionsZh'));
        const en = await readCaptions(files?.get('captionsEn'));
        const result = await service.storeVideo({
          source: video,
          alt: altOf(values),
          actor: actorOf(req),
          ...(poster ? { poster } : {}),
          captions: { ...(zh ? { 'zh-CN': zh } : {}), ...(en ? { en } : {}) },
        });
        if (!result.ok)
          return renderVideoForm(
            req,
            reply,
            values,
            toErrors(m, result.problems, limits),
            statusFor(result.problems),
          );
        return reply.redirect(`/admin/media/${result.value.video.id}?m=uploaded`, 303);
      },
    );

    scope.get<{ Params: { id: string }; Querystring: { m?: string } }>(
      '/admin/media/:id',
      {
        config: { access: VIEW_ROLES },
        schema: { params: ID_PARAMS, querystring: FLASH_QUERY },
        attachValidation: true,
      },
      async (req, reply) => {
        if (req.validationError) return sendErrorPage(ctx.pages, req, reply, 404);
        const m = mediaMessages(langOf(req));
        const text =
          req.query.m === 'uploaded'
            ? m.uploaded_
            : req.query.m === 'saved'
              ? m.saved
              : req.query.m === 'tracks'
                ? m.tracksSaved
                : undefined;
        return renderDetail(req, reply, req.params.id, {}, 200, text ? { kind: 'ok', text } : undefined);
      },
    );

    scope.post<{ Params: { id: string } }>(
      '/admin/media/:id',
      {
        config: { access: EDIT_ROLES },
        schema: { params: ID_PARAMS, body: formBodySchema(FIELDS) },
        attachValidation: true,
      },
      async (req, reply) => {
        const m = mediaMessages(langOf(req));
        if (!MEDIA_ID.test(req.params.id ?? '')) return sendErrorPage(ctx.pages, req, reply, 404);
        const form = readForm(req.body, FIELDS, req.validationError !== undefined);
        const errors = altErrors(m, form.values);
        if (form.truncated) errors._form = tOf(req).forms.requestTooLong;
        if (Object.keys(errors).length > 0)
          return renderDetail(req, reply, req.params.id, { altValues: form.values, altErrors: errors }, 400);
        const result = await service.updateAlt(req.params.id, altOf(form.values), actorOf(req));
        if (!result.ok)
          return renderDetail(
            req,
            reply,
            req.params.id,
            { altValues: form.values, altErrors: toErrors(m, result.problems, limits) },
            statusFor(result.problems),
          );
        return reply.redirect(`/admin/media/${req.params.id}?m=saved`, 303);
      },
    );

    scope.post<{ Params: { id: string } }>(
      '/admin/media/:id/tracks',
      {
        config: { access: EDIT_ROLES, multipart: tracksUpload },
        schema: { params: ID_PARAMS },
        attachValidation: true,
      },
      async (req, reply) => {
        const m = mediaMessages(langOf(req));
        if (!MEDIA_ID.test(req.params.id ?? '')) return sendErrorPage(ctx.pages, req, reply, 404);
        const pre = requestProblems(
          req,
          m,
          false,
          { poster: 'image', captionsZh: 'captions', captionsEn: 'captions' },
          limits,
        );
        if (Object.keys(pre.errors).length > 0)
          return renderDetail(req, reply, req.params.id, { trackErrors: pre.errors }, pre.status);
        const files = multipartOf(req)?.files;
        const poster = source(files?.get('poster'));
        const zh = await readCaptions(files?.get('captionsZh'));
        const en = await readCaptions(files?.get('captionsEn'));
        const result = await service.storeVideoTracks({
          videoId: req.params.id,
          actor: actorOf(req),
          ...(poster ? { poster } : {}),
          captions: { ...(zh ? { 'zh-CN': zh } : {}), ...(en ? { en } : {}) },
        });
        if (!result.ok)
          return renderDetail(
            req,
            reply,
            req.params.id,
            { trackErrors: toErrors(m, result.problems, limits) },
            statusFor(result.problems),
          );
        return reply.redirect(`/admin/media/${req.params.id}?m=tracks`, 303);
      },
    );

    scope.post<{ Params: { id: string } }>(
      '/admin/media/:id/delete',
      { config: { access: EDIT_ROLES }, schema: { params: ID_PARAMS }, attachValidation: true },
      async (req, reply) => {
        const m = mediaMessages(langOf(req));
        if (!MEDIA_ID.test(req.params.id ?? '')) return sendErrorPage(ctx.pages, req, reply, 404);
        const result = await service.delete(req.params.id, actorOf(req));
        if (!result.ok)
          return renderDetail(
            req,
            reply,
            req.params.id,
            { deleteErrors: toErrors(m, result.problems, limits) },
            statusFor(result.problems),
          );
        return reply.redirect('/admin/media?m=deleted', 303);
      },
    );
  });
}
