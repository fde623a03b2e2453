/**
 * /admin/questionnaires (admins): list, create, edit (a changed definition is saved as a new
 * version), and a read-only preview of any version. The definition is edited as JSON; every
 * problem is listed with its path, in the admin's language, and the typed text is kept.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf, tOf } from '../../platform/http/request.ts';
import type { FieldErrors } from '../../platform/views/forms.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import type { Flash } from '../../platform/views/layout.ts';
import { actorOf } from '../accounts/staff.routes.ts';
import {
  checkSlug,
  DEFINITION_MAX,
  type Problems,
  QUESTIONNAIRE_FIELDS,
  type QuestionnaireValues,
  RESERVED_IDS,
  readQuestionnaireForm,
} from './admin.forms.ts';
import { adminMessages, definitionProblemTexts, errorsOf } from './admin.messages.ts';
import { type ChannelsService, SLUG_PATTERN } from './channels.service.ts';
import type { LocalText } from './questionnaire.ts';
import { parseStamp, type QuestionnairesService, stampOf, topicsOf } from './questionnaires.service.ts';
import {
  questionnaireFormView,
  questionnaireListView,
  questionnairePageView,
} from './questionnaires.views.ts';

const ADMIN = { access: ['admin'] } as const;
const Q_PARAMS = {
  type: 'object',
  properties: { questionnaire: { type: 'string', pattern: SLUG_PATTERN, maxLength: 40 } },
  required: ['questionnaire'],
} as const;
const VERSION_PARAMS = {
  type: 'object',
  properties: {
    questionnaire: { type: 'string', pattern: SLUG_PATTERN, maxLength: 40 },
    version: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' },
  },
  required: ['questionnaire', 'version'],
} as const;
const MESSAGE_QUERY = { type: 'object', properties: { m: { type: 'string', maxLength: 20 } } } as const;
/** Definitions are larger than other forms (the app's default body limit is 64 KiB). */
const BODY_LIMIT = 4 * (DEFINITION_MAX + 10_000);

type QRequest = FastifyRequest<{ Params: { questionnaire: string }; Querystring: { m?: string } }>;

const t2 = (en: string, zh: string) => ({ en, 'zh-CN': zh });
/** A small valid definition to start from. */
const STARTER = {
  title: t2('New questionnaire', '新问卷'),
  steps: [
    {
      id: 'what',
      title: t2('What happened', '发生了什么'),
      questions: [
        { id: 'summary', type: 'short-text', label: t2('In one sentence', '一句话概括'), required: true },
      ],
    },
  ],
};

export function registerQuestionnaireAdminRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  channels: ChannelsService,
  service: QuestionnairesService,
): void {
  const { pages, csrf } = ctx;

  const channelNames = async (): Promise<Map<string, LocalText>> =>
    new Map((await channels.overview()).channels.map((c) => [c.id, c.name]));

  app.get<{ Querystring: { m?: string } }>(
    '/admin/questionnaires',
    { config: ADMIN, schema: { querystring: MESSAGE_QUERY } },
    async (req, reply) => {
      const lang = langOf(req);
      const m = adminMessages(lang);
      const [questionnaires, names, uncovered] = await Promise.all([
        service.questionnaires(),
        channelNames(),
        channels.uncoveredTopics(),
      ]);
      const view = questionnaireListView(m, lang, { questionnaires, channels: names, uncovered });
      return pages.admin(req, reply, m.questionnairesTitle, view);
    },
  );

  const renderForm = async (
    req: FastifyRequest,
    reply: FastifyReply,
    o: {
      id?: string;
      title: string;
      values: QuestionnaireValues;
      errors?: FieldErrors;
      definitionErrors?: string[];
      flash?: Flash;
    },
    status = 200,
  ) => {
    const lang = langOf(req);
    const m = adminMessages(lang);
    const view = questionnaireFormView(tOf(req), m, lang, {
      csrf: csrf.token(req, reply),
      ...(o.id ? { id: o.id } : {}),
      title: o.title,
      values: o.values,
      errors: o.errors ?? {},
      definitionErrors: o.definitionErrors ?? [],
      channels: await channelNames(),
      ...(o.flash ? { flash: o.flash } : {}),
    });
    return pages.admin(req, reply, o.title, view, status);
  };

  app.get('/admin/questionnaires/new', { config: ADMIN }, async (req, reply) => {
    const m = adminMessages(langOf(req));
    const values: QuestionnaireValues = {
      id: '',
      channelId: '',
      kind: 'report',
      topics: '',
      position: '0',
      status: 'active',
      definition: JSON.stringify(STARTER, null, 2),
      stamp: '',
    };
    return renderForm(req, reply, { title: m.newQuestionnaireTitle, values });
  });

  /** Reads the form; on problems returns what to render (400), else the input. */
  const readAll = (req: FastifyRequest) => {
    const lang = langOf(req);
    const m = adminMessages(lang);
    const form = readForm(req.body, QUESTIONNAIRE_FIELDS, req.validationError !== undefined);
    const values = form.values as QuestionnaireValues;
    const read = readQuestionnaireForm(values);
    const errors = errorsOf(m, read.problems);
    const definitionErrors = read.definition.ok
      ? []
      : definitionProblemTexts(lang, m, read.definition.problem);
    if (definitionErrors.length > 0)
      errors.definition = fill(m.definitionProblems, { n: definitionErrors.length });
    if (form.truncated) errors._form = m.requestTooLong;
    return { m, values, read, errors, definitionErrors };
  };

  app.post(
    '/admin/questionnaires',
    {
      config: ADMIN,
      bodyLimit: BODY_LIMIT,
      schema: { body: formBodySchema(QUESTIONNAIRE_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const { m, values, read, errors, definitionErrors } = readAll(req);
      const problems: Problems = {};
      const id = checkSlug(values.id, problems);
      Object.assign(errors, errorsOf(m, problems));
      const again = (status: number) =>
        renderForm(req, reply, { title: m.newQuestionnaireTitle, values, errors, definitionErrors }, status);
      if (Object.keys(errors).length > 0 || !read.definition.ok) return again(400);
      if (RESERVED_IDS.has(id)) {
        errors.id = m.questionnaireIdTaken;
        return again(409);
      }
      const outcome = await service.createQuestionnaire(actorOf(req.staff!), id, {
        ...read.input,
        definition: read.definition.definition,
      });
      if (outcome.ok) return reply.redirect(`/admin/questionnaires/${id}?m=created`, 303);
      if (outcome.reason === 'id-taken') errors.id = m.questionnaireIdTaken;
      else if (outcome.reason === 'unknown-channel') errors.channelId = m.unknownChannel;
      else if (outcome.reason === 'topic-taken')
        errors.topics = outcome.taken
          .map((x) => fill(m.topicTaken, { topic: x.topic, id: x.questionnaireId }))
          .join(' ');
      return again(outcome.reason === 'unknown-channel' ? 400 : 409);
    },
  );

  const showVersion = async (req: QRequest, reply: FastifyReply, version: number | undefined) => {
    const lang = langOf(req);
    const m = adminMessages(lang);
    const summary = (await service.questionnaires()).find((q) => q.id === req.params.questionnaire);
    if (!summary) return sendErrorPage(pages, req, reply, 404);
    const shown = version ?? summary.version;
    const stored = await service.versionAt(summary.id, shown);
    if (!stored) return sendErrorPage(pages, req, reply, 404);
    const flash: Flash | undefined =
      req.query.m === 'created'
        ? { kind: 'ok', text: m.questionnaireCreated }
        : req.query.m === 'version'
          ? { kind: 'ok', text: fill(m.newVersionSaved, { n: summary.version }) }
          : req.query.m === 'saved'
            ? { kind: 'ok', text: m.savedNoNewVersion }
            : undefined;
    const view = questionnairePageView(m, lang, {
      summary,
      channelName: (await channelNames()).get(summary.channelId),
      shown,
      definition: stored.definition,
      versions: await service.versions(summary.id),
      ...(flash ? { flash } : {}),
    });
    return pages.admin(req, reply, stored.definition?.title[lang] ?? summary.id, view);
  };

  app.get<{ Params: { questionnaire: string }; Querystring: { m?: string } }>(
    '/admin/questionnaires/:questionnaire',
    { config: ADMIN, schema: { params: Q_PARAMS, querystring: MESSAGE_QUERY } },
    (req, reply) => showVersion(req, reply, undefined),
  );

  app.get<{ Params: { questionnaire: string; version: string }; Querystring: { m?: string } }>(
    '/admin/questionnaires/:questionnaire/versions/:version',
    { config: ADMIN, schema: { params: VERSION_PARAMS, querystring: MESSAGE_QUERY } },
    (req, reply) => showVersion(req, reply, Number(req.params.version)),
  );

  const editTitle = (
    m: ReturnType<typeof adminMessages>,
    lang: 'en' | 'zh-CN',
    title: LocalText | undefined,
    id: string,
  ) => fill(m.editQuestionnaireTitle, { title: title?.[lang] ?? id });

  app.get<{ Params: { questionnaire: string } }>(
    '/admin/questionnaires/:questionnaire/edit',
    { config: ADMIN, schema: { params: Q_PARAMS } },
    async (req, reply) => {
      const lang = langOf(req);
      const m = adminMessages(lang);
      const row = await service.findQuestionnaire(req.params.questionnaire);
      if (!row) return sendErrorPage(pages, req, reply, 404);
      const stored = await service.versionAt(row.id, row.current_version);
      const values: QuestionnaireValues = {
        id: row.id,
        channelId: row.channel_id,
        kind: row.kind,
        topics: topicsOf(row.topics).join(', '),
        position: String(row.position),
        status: row.status,
        definition: stored?.definition ? JSON.stringify(stored.definition, null, 2) : (stored?.text ?? ''),
        stamp: stampOf(row),
      };
      return renderForm(req, reply, {
        id: row.id,
        title: editTitle(m, lang, stored?.definition?.title, row.id),
        values,
      });
    },
  );

  app.post<{ Params: { questionnaire: string } }>(
    '/admin/questionnaires/:questionnaire',
    {
      config: ADMIN,
      bodyLimit: BODY_LIMIT,
      schema: { params: Q_PARAMS, body: formBodySchema(QUESTIONNAIRE_FIELDS) },
      attachValidation: true,
    },
    async (req, reply) => {
      const lang = langOf(req);
      const { m, values, read, errors, definitionErrors } = readAll(req);
      const row = await service.findQuestionnaire(req.params.questionnaire);
      if (!row) return sendErrorPage(pages, req, reply, 404);
      const current = await service.versionAt(row.id, row.current_version);
      const title = editTitle(m, lang, current?.definition?.title, row.id);
      const stamp = parseStamp(values.stamp);
      if (!stamp) errors._form = m.invalidForm;
      const again = (status: number, o: { flash?: Flash; values?: QuestionnaireValues } = {}) =>
        renderForm(
          req,
          reply,
          {
            id: row.id,
            title,
            values: o.values ?? values,
            errors,
            definitionErrors,
            ...(o.flash ? { flash: o.flash } : {}),
          },
          status,
        );
      if (Object.keys(errors).length > 0 || !read.definition.ok || !stamp) return again(400);
      const outcome = await service.saveQuestionnaire(actorOf(req.staff!), row.id, stamp, {
        ...read.input,
        definition: read.definition.definition,
      });
      if (outcome.ok)
        return reply.redirect(
          `/admin/questionnaires/${row.id}?m=${outcome.newVersion ? 'version' : 'saved'}`,
          303,
        );
      if (outcome.reason === 'stale') {
        const latest = await service.findQuestionnaire(row.id);
        const next = { ...values, stamp: latest ? stampOf(latest) : values.stamp };
        const text = fill(m.questionnaireStale, { n: outcome.currentVersion });
        return again(409, { values: next, flash: { kind: 'error', text } });
      }
      if (outcome.reason === 'unknown-channel') {
        errors.channelId = m.unknownChannel;
        return again(400);
      }
      if (outcome.reason !== 'topic-taken') return sendErrorPage(pages, req, reply, 404);
      errors.topics = outcome.taken
        .map((x) => fill(m.topicTaken, { topic: x.topic, id: x.questionnaireId }))
        .join(' ');
      return again(409);
    },
  );
}
