/**
 * /admin/channels (admins): the channels, why each does or does not take reports, their settings
 * and recipients. Thin: read the form, call ChannelsService, render. The questionnaire pages are
 * registered from here too (questionnaires.routes.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf, tOf } from '../../platform/http/request.ts';
import type { FieldErrors } from '../../platform/views/forms.ts';
import type { SafeHtml } from '../../platform/views/html.ts';
import type { Flash } from '../../platform/views/layout.ts';
import { actorOf } from '../accounts/staff.routes.ts';
import {
  CHANNEL_FIELDS,
  type ChannelValues,
  checkSlug,
  type Problems,
  RESERVED_IDS,
  readChannelForm,
} from './admin.forms.ts';
import { adminMessages, errorsOf } from './admin.messages.ts';
import { cannotOpenBox, channelListView, channelPageView, newChannelView } from './admin.views.ts';
import { ChannelsRepository } from './channels.repository.ts';
import { ChannelsService, type ChannelView, SLUG_PATTERN } from './channels.service.ts';
import type { ReportsServices } from './module.ts';
import { registerQuestionnaireAdminRoutes } from './questionnaires.routes.ts';
import { QuestionnairesService } from './questionnaires.service.ts';

const ADMIN = { access: ['admin'] } as const;
const CHANNEL_PARAMS = {
  type: 'object',
  properties: { channel: { type: 'string', pattern: SLUG_PATTERN, maxLength: 40 } },
  required: ['channel'],
} as const;
const MESSAGE_QUERY = { type: 'object', properties: { m: { type: 'string', maxLength: 20 } } } as const;
const RECIPIENT_FIELDS = { staffId: 80 };

type ChannelRequest = FastifyRequest<{ Params: { channel: string }; Querystring: { m?: string } }>;

function valuesOf(c: ChannelView): ChannelValues {
  return {
    id: c.id,
    nameZh: c.name['zh-CN'],
    nameEn: c.name.en,
    descriptionZh: c.description['zh-CN'],
    descriptionEn: c.description.en,
    ackDays: String(c.ackDays),
    feedbackDays: String(c.feedbackDays),
    maxPerMinute: String(c.maxPerMinute),
    position: String(c.position),
    status: c.status,
    version: String(c.version),
  };
}

const NEW_VALUES: ChannelValues = {
  id: '',
  nameZh: '',
  nameEn: '',
  descriptionZh: '',
  descriptionEn: '',
  ackDays: '7',
  feedbackDays: '90',
  maxPerMinute: '600',
  position: '0',
  status: 'closed',
  version: '',
};

export function registerChannelAdminRoutes(app: FastifyInstance, ctx: AppContext, s: ReportsServices): void {
  const repo = new ChannelsRepository(ctx.db);
  const service = new ChannelsService(ctx, repo, s.directory);
  const { pages, csrf } = ctx;

  app.get<{ Querystring: { m?: string } }>(
    '/admin/channels',
    { config: ADMIN, schema: { querystring: MESSAGE_QUERY } },
    async (req, reply) => {
      const lang = langOf(req);
      const m = adminMessages(lang);
      const { channels } = await service.overview();
      return pages.admin(req, reply, m.channelsTitle, channelListView(m, lang, { channels }));
    },
  );

  app.get('/admin/channels/new', { config: ADMIN }, async (req, reply) => {
    const m = adminMessages(langOf(req));
    const view = newChannelView(tOf(req), m, {
      csrf: csrf.token(req, reply),
      values: NEW_VALUES,
      errors: {},
    });
    return pages.admin(req, reply, m.newChannelTitle, view);
  });

  app.post(
    '/admin/channels',
    { config: ADMIN, schema: { body: formBodySchema(CHANNEL_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const t = tOf(req);
      const m = adminMessages(langOf(req));
      const form = readForm(req.body, CHANNEL_FIELDS, req.validationError !== undefined);
      const values = form.values as ChannelValues;
      const problems: Problems = {};
      const id = checkSlug(values.id, problems);
      const read = readChannelForm(values);
      Object.assign(problems, read.problems);
      const errors = errorsOf(m, problems);
      if (form.truncated) errors._form = m.requestTooLong;
      const render = (status: number, refusal?: SafeHtml) =>
        pages.admin(
          req,
          reply,
          m.newChannelTitle,
          newChannelView(t, m, {
            csrf: csrf.token(req, reply),
            values,
            errors,
            ...(refusal ? { refusal } : {}),
          }),
          status,
        );
      if (Object.keys(errors).length > 0) return render(400);
      if (RESERVED_IDS.has(id)) {
        errors.id = m.idTaken;
        return render(409);
      }
      const outcome = await service.createChannel(actorOf(req.staff!), id, read.input);
      if (outcome.ok) return reply.redirect(`/admin/channels/${id}?m=created`, 303);
      if (outcome.reason === 'cannot-open') {
        errors.status = m.cannotOpenNew;
        return render(409, cannotOpenBox(m, outcome.blocks, true));
      }
      errors.id = m.idTaken;
      return render(409);
    },
  );

  const renderChannel = async (
    req: ChannelRequest,
    reply: FastifyReply,
    o: {
      channel?: ChannelView;
      values?: ChannelValues;
      errors?: FieldErrors;
      flash?: Flash;
      refusal?: SafeHtml;
      stale?: boolean;
      recipientError?: string;
    } = {},
    status = 200,
  ) => {
    const lang = langOf(req);
    const m = adminMessages(lang);
    const channel = o.channel ?? (await service.channel(req.params.channel));
    if (!channel) return sendErrorPage(pages, req, reply, 404);
    const flash = o.flash ?? flashFor(m, req.query.m);
    const view = channelPageView(tOf(req), m, lang, {
      csrf: csrf.token(req, reply),
      channel,
      values: o.values ?? valuesOf(channel),
      errors: o.errors ?? {},
      staff: await service.staffOptions(),
      ...(flash ? { flash } : {}),
      ...(o.refusal ? { refusal: o.refusal } : {}),
      ...(o.stale ? { stale: true } : {}),
      ...(o.recipientError ? { recipientError: o.recipientError } : {}),
    });
    return pages.admin(req, reply, channel.name[lang], view, status);
  };

  app.get<{ Params: { channel: string }; Querystring: { m?: string } }>(
    '/admin/channels/:channel',
    { config: ADMIN, schema: { params: CHANNEL_PARAMS, querystring: MESSAGE_QUERY } },
    (req, reply) => renderChannel(req, reply),
  );

  app.post<{ Params: { channel: string }; Querystring: { m?: string } }>(
    '/admin/channels/:channel',
    {
      config: ADMIN,
      schema: { params: CHANNEL_PARAMS, body: formBodySchema(CHANNEL_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const m = adminMessages(langOf(req));
      const form = readForm(req.body, CHANNEL_FIELDS, req.validationError !== undefined);
      const values = { ...(form.values as ChannelValues), id: req.params.channel };
      const read = readChannelForm(values);
      const errors = errorsOf(m, read.problems);
      const version = /^\d{1,9}$/.test(values.version.trim()) ? Number(values.version) : Number.NaN;
      if (!Number.isSafeInteger(version)) errors._form = m.invalidForm;
      if (form.truncated) errors._form = m.requestTooLong;
      if (Object.keys(errors).length > 0) return renderChannel(req, reply, { values, errors }, 400);
      const outcome = await service.updateChannel(
        actorOf(req.staff!),
        req.params.channel,
        version,
        read.input,
      );
      if (outcome.ok) return reply.redirect(`/admin/channels/${req.params.channel}?m=saved`, 303);
      if (outcome.reason === 'stale') {
        // Keep what was typed; the next save is against the version shown below the form.
        const next = { ...values, version: String(outcome.current.version) };
        return renderChannel(
          req,
          reply,
          {
            channel: outcome.current,
            values: next,
            flash: { kind: 'error', text: m.channelStale },
            stale: true,
          },
          409,
        );
      }
      if (outcome.reason !== 'cannot-open') return sendErrorPage(pages, req, reply, 404);
      return renderChannel(
        req,
        reply,
        {
          values,
          errors: { status: m.cannotOpen },
          refusal: cannotOpenBox(m, outcome.blocks, false),
        },
        409,
      );
    },
  );

  const recipientRoute = (path: string, add: boolean) =>
    app.post<{ Params: { channel: string }; Querystring: { m?: string } }>(
      path,
      {
        config: ADMIN,
        schema: { params: CHANNEL_PARAMS, body: formBodySchema(RECIPIENT_FIELDS) },
        attachValidation: true,
      },
      async (req, reply) => {
        const m = adminMessages(langOf(req));
        const form = readForm(req.body, RECIPIENT_FIELDS, req.validationError !== undefined);
        const staffId = form.values.staffId!.trim();
        const actor = actorOf(req.staff!);
        const channelId = req.params.channel;
        if (staffId === '') return renderChannel(req, reply, { recipientError: m.problems.required! }, 400);
        const outcome = add
          ? await service.addRecipient(actor, channelId, staffId)
          : await service.removeRecipient(actor, channelId, staffId);
        if (outcome.ok)
          return reply.redirect(`/admin/channels/${channelId}?m=${add ? 'added' : 'removed'}`, 303);
        if (outcome.reason === 'not-found') return sendErrorPage(pages, req, reply, 404);
        const text = {
          'unknown-staff': m.unknownStaff,
          already: m.alreadyRecipient,
          'not-recipient': m.notRecipient,
          'last-key-holder': m.lastKeyHolder,
        }[outcome.reason];
        return renderChannel(
          req,
          reply,
          { recipientError: text },
          outcome.reason === 'unknown-staff' ? 400 : 409,
        );
      },
    );
  recipientRoute('/admin/channels/:channel/recipients', true);
  recipientRoute('/admin/channels/:channel/recipients/remove', false);

  registerQuestionnaireAdminRoutes(app, ctx, service, new QuestionnairesService(ctx, repo, s.directory));
}

function flashFor(m: ReturnType<typeof adminMessages>, code: string | undefined): Flash | undefined {
  const text =
    code === 'created'
      ? m.channelCreated
      : code === 'saved'
        ? m.channelSaved
        : code === 'added'
          ? m.recipientAdded
          : code === 'removed'
            ? m.recipientRemoved
            : undefined;
  return text ? { kind: 'ok', text } : undefined;
}
