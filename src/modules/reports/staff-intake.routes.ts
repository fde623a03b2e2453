/**
 * Staff intake (/admin/intake): a handler or supervisor records a report that came by phone,
 * letter, visit, referral or a messaging chat. It takes the same path as every other report
 * (IntakeService.submit, the same checks, sealed for the channel's recipients), can use channels
 * closed to the public, never one nobody could read, and is not rate-limited. Files are sealed as
 * they stream in, under a content key made for this request, which becomes the report's.
 *
 * A hidden per-form token is the submission key: sending the form twice (a double click, the back
 * button, a reload) answers with the first result and never makes a second report. The result is
 * rendered in the answer to the POST (no-store) rather than behind a redirect, so the receipt code
 * never appears in a URL or the browser history. Audited without content.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { newDataKey, randomToken } from '../../platform/crypto/index.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { type FileSink, multipartOf, registerMultipart } from '../../platform/http/multipart.ts';
import { langOf, tOf } from '../../platform/http/request.ts';
import type { FieldErrors } from '../../platform/views/forms.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import { apiMessages } from './api.messages.ts';
import { type AttachmentOutcome, outcomesOf } from './attachments.ts';
import type { ChannelInfo, QuestionnaireInfo } from './directory.ts';
import { IntakeRefused, type StoredAttachmentRef } from './intake.service.ts';
import type { ReportsServices } from './module.ts';
import { type Answers, allQuestions, fieldName, maxLengthOf, readAnswer } from './questionnaire.ts';
import { staffIntakeMessages } from './staff-intake.messages.ts';
import {
  type ChannelGroup,
  chooseView,
  doneView,
  formView,
  IDENTITY_MODES,
  STAFF_SOURCES,
  type StaffSource,
  ZONES,
} from './staff-intake.views.ts';

const ACCESS = ['handler', 'supervisor'] as const;
const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Fields every intake form has; the questions add theirs (formFields). */
const FIXED_FIELDS = {
  submission: 64,
  source: 20,
  receivedDate: 20,
  receivedTime: 20,
  zone: 10,
  identityMode: 20,
  name: 1000,
  contact: 2000,
  withReceipt: 5,
};

function formFields(q: QuestionnaireInfo): Record<string, number> {
  const fields: Record<string, number> = { ...FIXED_FIELDS };
  for (const question of allQuestions(q.definition)) {
    if (question.type === 'file') continue;
    if (question.type === 'date-range') {
      fields[fieldName(question, 'from')] = 20;
      fields[fieldName(question, 'to')] = 20;
    } else fields[fieldName(question)] = maxLengthOf(question) + 100;
  }
  return fields;
}

/** Why a channel cannot take a report from anyone: nobody could read it. */
function unavailability(c: ChannelInfo): ChannelGroup['unavailable'] {
  if (c.recipientKeys.length > 0) return undefined;
  return c.recipientStaff.length === 0 ? 'no-recipients' : 'no-keys';
}

/** "YYYY-MM-DD" and "HH:MM" (seconds allowed) at a UTC offset, as epoch ms; undefined when not real. */
export function parseReceived(date: string, time: string, zoneMinutes: number): number | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!d || !t) return undefined;
  const [y, mo, da, h, mi, se] = [d[1], d[2], d[3], t[1], t[2], t[3] ?? '00'].map(Number) as number[];
  const ms = Date.UTC(y!, mo! - 1, da!, h!, mi!, se!);
  const back = new Date(ms);
  if (y! < 1970 || back.getUTCDate() !== da || back.getUTCHours() !== h || back.getUTCMinutes() !== mi)
    return undefined;
  return ms - zoneMinutes * 60_000;
}

function localParts(ms: number, zoneMinutes: number): { date: string; time: string } {
  const iso = new Date(ms + zoneMinutes * 60_000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

function formatUtc(ms: number, lang: string): string {
  return `${new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(ms)} UTC`;
}

export function registerStaffIntakeRoutes(app: FastifyInstance, ctx: AppContext, s: ReportsServices): void {
  const limits = ctx.config.reports;
  /** The content key of this request's files: made with the first file, then the report's. */
  const contentKeys = new WeakMap<FastifyRequest, Buffer>();
  const contentKeyOf = (req: FastifyRequest) => {
    let key = contentKeys.get(req);
    if (!key) {
      key = newDataKey();
      contentKeys.set(req, key);
    }
    return key;
  };
  const sinkFor = (req: FastifyRequest, _field: string, declaredName: string): FileSink =>
    s.attachments.sink(contentKeyOf(req), declaredName);

  const find = async (id: string) => {
    const snap = await s.directory.snapshot();
    const q = snap.questionnaires.get(id);
    const channel = q ? snap.channels.get(q.channelId) : undefined;
    return q && channel ? { q, channel } : undefined;
  };

  const render = (
    req: FastifyRequest,
    reply: FastifyReply,
    found: { q: QuestionnaireInfo; channel: ChannelInfo },
    values: Record<string, string | string[]>,
    errors: FieldErrors,
    notices: string[],
    status: number,
  ) => {
    const lang = langOf(req);
    const m = staffIntakeMessages(lang);
    const main = formView({
      t: tOf(req),
      m,
      lang,
      csrf: ctx.csrf.token(req, reply),
      questionnaireId: found.q.id,
      definition: found.q.definition,
      channelName: found.channel.name[lang],
      values,
      errors,
      notices,
      maxFiles: limits.maxFiles,
      maxFileMb: Math.floor(limits.maxFileBytes / (1024 * 1024)),
    });
    return ctx.pages.admin(
      req,
      reply,
      fill(m.formTitle, { title: found.q.definition.title[lang] }),
      main,
      status,
    );
  };

  const unavailable = (req: FastifyRequest, reply: FastifyReply, channel: ChannelInfo) => {
    const m = staffIntakeMessages(langOf(req));
    const why = unavailability(channel) === 'no-recipients' ? m.noRecipients : m.noKeys;
    return ctx.pages.message(req, reply, 409, m.unavailableTitle, why);
  };

  app.get('/admin/intake', { config: { access: ACCESS } }, async (req, reply) => {
    const lang = langOf(req);
    const m = staffIntakeMessages(lang);
    const snap = await s.directory.snapshot();
    const groups: ChannelGroup[] = [];
    for (const c of snap.channels.values()) {
      const qs = [...snap.questionnaires.values()].filter((q) => q.channelId === c.id);
      if (qs.length === 0) continue;
      qs.sort((a, b) => Number(a.status === 'retired') - Number(b.status === 'retired'));
      groups.push({
        channelId: c.id,
        name: c.name[lang],
        open: c.status === 'open',
        unavailable: unavailability(c),
        questionnaires: qs.map((q) => ({
          id: q.id,
          title: q.definition.title[lang],
          retired: q.status === 'retired',
        })),
      });
    }
    return ctx.pages.admin(req, reply, m.title, chooseView(m, groups));
  });

  app.register(async (scope) => {
    registerMultipart(scope, { csrf: ctx.csrf, sinkFor });

    scope.get<{ Params: { id: string } }>(
      '/admin/intake/:id',
      { config: { access: ACCESS }, schema: { params: ID_PARAMS } },
      async (req, reply) => {
        const found = await find(req.params.id);
        if (!found) return sendErrorPage(ctx.pages, req, reply, 404);
        if (unavailability(found.channel)) return unavailable(req, reply, found.channel);
        const now = ctx.now();
        const local = localParts(now, 0);
        const values = {
          submission: randomToken(32),
          source: 'phone',
          receivedDate: local.date,
          receivedTime: local.time,
          zone: '0',
          identityMode: 'anonymous',
          withReceipt: 'yes',
        };
        return render(req, reply, found, values, {}, [], 200);
      },
    );

    scope.post<{ Params: { id: string } }>(
      '/admin/intake/:id',
      {
        config: {
          access: ACCESS,
          multipart: {
            files: limits.maxFiles > 0 ? { files: limits.maxFileBytes } : {},
            maxFilesPerField: Math.max(1, limits.maxFiles),
            fieldBytes: 80_000,
            fields: 1000,
            totalBytes: limits.maxFiles * limits.maxFileBytes + 4 * 1024 * 1024,
          },
        },
        // Long answers in several questions: more than the default 64 KiB of a urlencoded form.
        bodyLimit: 2 * 1024 * 1024,
        schema: { params: ID_PARAMS, body: formBodySchema(FIXED_FIELDS) },
        attachValidation: true,
      },
      async (req, reply) => handlePost(req, reply),
    );
  });

  const handlePost = async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const lang = langOf(req);
    const m = staffIntakeMessages(lang);
    const problems = apiMessages(lang).fields;
    const multipart = multipartOf(req);
    const outcomes: AttachmentOutcome[] = multipart ? outcomesOf(multipart.uploads) : [];
    const stored = outcomes.flatMap((o) => (o.stored ? [o.stored] : []));
    const discard = async () => {
      for (const f of stored) await s.attachments.remove(f.id).catch(() => {});
    };

    const found = await find(req.params.id);
    if (!found) {
      await discard();
      return sendErrorPage(ctx.pages, req, reply, 404);
    }
    if (unavailability(found.channel)) {
      await discard();
      return unavailable(req, reply, found.channel);
    }
    const fields = formFields(found.q);
    const form = readForm(multipart ? multipart.fields : req.body, fields, req.validationError !== undefined);
    const v = form.values;
    const typed: Record<string, string | string[]> = { ...v };
    const raw: Record<string, string | string[]> = { ...v };
    for (const q of allQuestions(found.q.definition))
      if (q.type === 'multiple-choice')
        typed[fieldName(q)] = raw[fieldName(q)] = form.lists[fieldName(q)] ?? [];

    const errors: FieldErrors = {};
    const notices: string[] = [];
    const source = STAFF_SOURCES.find((x) => x === v.source);
    if (!source) errors.source = problems.required;
    const mode = IDENTITY_MODES.find((x) => x === v.identityMode);
    if (!mode) errors.identityMode = problems.required;
    // Details typed for an anonymous report would be dropped: ask rather than lose them silently.
    else if (mode === 'anonymous' && (v.name?.trim() || v.contact?.trim()))
      errors.identityMode = m.anonymousWithDetails;
    const zone = ZONES.find((z) => String(z) === v.zone);
    const receivedAt =
      zone === undefined ? undefined : parseReceived(v.receivedDate ?? '', v.receivedTime ?? '', zone);
    if (receivedAt === undefined) errors.received = m.receivedBad;
    else if (receivedAt > ctx.now()) errors.received = m.receivedFuture;
    if (!TOKEN.test(v.submission ?? '')) {
      errors._form = tOf(req).errors.formExpired;
      typed.submission = randomToken(32);
    }
    if (form.truncated || multipart?.problem) notices.push(m.truncated);
    for (const o of outcomes)
      if (o.problem)
        notices.push(fill(m.fileProblems[o.problem] ?? m.fileProblems.damaged!, { name: o.name }));

    const answers: Answers = {};
    for (const q of allQuestions(found.q.definition)) {
      const value = readAnswer(q, raw);
      if (value !== undefined) answers[q.id] = value;
    }
    const refuse = async () => {
      await discard();
      if (stored.length > 0) notices.push(m.filesAgain);
      return render(req, reply, found, typed, errors, notices, 400);
    };
    if (Object.keys(errors).length > 0 || notices.length > 0 || !source || !mode || receivedAt === undefined)
      return refuse();

    const withReceipt = v.withReceipt === 'yes';
    let receipt: Awaited<ReturnType<typeof s.intake.submit>>;
    try {
      receipt = await s.intake.submit({
        questionnaireId: found.q.id,
        answers,
        identity: { mode, name: v.name, contact: v.contact },
        source: source satisfies StaffSource,
        receivedAt,
        intakeStaffId: req.staff!.id,
        lang,
        skipRateLimits: true,
        withReceipt,
        submissionKey: `staff-intake:${v.submission}`,
        ...(stored.length > 0 ? { files: stored, contentKey: contentKeyOf(req) } : {}),
      });
    } catch (err) {
      if (!(err instanceof IntakeRefused)) {
        await discard();
        throw err;
      }
      const r = err.refusal;
      if (r.kind !== 'invalid') {
        await discard();
        if (r.kind === 'unknown-questionnaire') return sendErrorPage(ctx.pages, req, reply, 404);
        return unavailable(req, reply, found.channel);
      }
      for (const [key, code] of Object.entries(r.errors)) {
        const q = allQuestions(found.q.definition).find((x) => x.id === key);
        const name = q
          ? fieldName(q)
          : key === 'identity.mode'
            ? 'identityMode'
            : key === 'identity.name'
              ? 'name'
              : key === 'identity.contact'
                ? 'contact'
                : '_form';
        errors[name] = problems[code] ?? problems['not-an-option'];
      }
      return refuse();
    }
    // A form sent twice: the files of this second sending belong to no report.
    if (receipt.repeated) await discard();
    else
      await ctx.audit.record({
        actor: { id: req.staff!.id, label: req.staff!.username },
        action: 'report.intake',
        targetType: 'report',
        targetId: receipt.reportId,
        details: {
          reference: receipt.reference,
          source,
          channel: found.channel.id,
          files: stored.length,
          receipt: receipt.receiptCode !== undefined,
        },
      });
    const main = doneView({
      m,
      reference: receipt.reference,
      receiptCode: receipt.receiptCode,
      registered: formatUtc(receipt.registeredAt, lang),
      received: formatUtc(receivedAt, lang),
      repeated: receipt.repeated,
      followUpUrl: `${ctx.config.publicUrl}/report/follow-up`,
      fileNotes: receipt.repeated ? [] : outcomes.flatMap((o) => (o.stored ? [fileNote(o.stored)] : [])),
    });
    return ctx.pages.admin(req, reply, m.doneTitle, main, 200);
  };
}

function fileNote(f: StoredAttachmentRef): string {
  return f.meta.removed.length > 0 ? `${f.meta.name}: ${f.meta.removed.join('; ')}` : f.meta.name;
}
