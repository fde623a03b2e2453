/**
 * Fixtures for the reporting channel: an open channel whose recipient holds a real X25519 key pair
 * (the private key is returned so tests can open what was sealed), and a questionnaire that uses
 * every question type, a condition and a file question.
 */
import crypto from 'node:crypto';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { parseDefinition, type QuestionnaireDefinition } from '../../src/modules/reports/questionnaire.ts';
import { generateKeyPair, open, openWithPrivateKey, randomBytes } from '../../src/platform/crypto/index.ts';
import type { Db } from '../../src/platform/db/index.ts';
import type { QuestionnaireKind } from '../../src/platform/db/schema.ts';
import { createStaff, type TestApp } from './app.ts';

const t2 = (en: string, zh: string) => ({ en, 'zh-CN': zh });

export const TEST_QUESTIONNAIRE: QuestionnaireDefinition = {
  title: t2('Something suspicious', '可疑情况'),
  intro: t2('Tell us what happened.', '请告诉我们发生了什么。'),
  steps: [
    {
      id: 'what',
      title: t2('What happened', '发生了什么'),
      questions: [
        { id: 'summary', type: 'short-text', label: t2('In one line', '一句话概括'), required: true },
        { id: 'details', type: 'long-text', label: t2('Details', '详细情况'), required: true },
        {
          id: 'kind',
          type: 'single-choice',
          label: t2('Kind of approach', '接触方式'),
          required: true,
          options: [
            { value: 'online', label: t2('Online', '网上') },
            { value: 'in-person', label: t2('In person', '当面') },
          ],
        },
        {
          id: 'platform',
          type: 'short-text',
          label: t2('Which website or app?', '哪个网站或应用？'),
          required: true,
          showIf: { question: 'kind', equals: ['online'] },
        },
      ],
    },
    {
      id: 'when',
      title: t2('When and where', '时间和地点'),
      questions: [
        { id: 'date', type: 'date', label: t2('When did it start?', '何时开始？'), required: false },
        { id: 'period', type: 'date-range', label: t2('Over what period?', '持续多久？'), required: false },
        { id: 'place', type: 'location', label: t2('City or district', '城市或区县'), required: false },
        {
          id: 'signs',
          type: 'multiple-choice',
          label: t2('What did they ask for?', '对方要求什么？'),
          required: false,
          options: [
            { value: 'documents', label: t2('Documents', '文件') },
            { value: 'photos', label: t2('Photos', '照片') },
            { value: 'meetings', label: t2('Meetings', '见面') },
          ],
        },
        {
          id: 'paid',
          type: 'yes-no',
          label: t2('Were you offered money?', '是否提供报酬？'),
          required: false,
        },
        { id: 'evidence', type: 'file', label: t2('Evidence', '证据'), required: false },
      ],
    },
  ],
};

export interface ReportChannelFixture {
  channelId: string;
  questionnaireId: string;
  recipient: { staffId: string; keyId: string; privateKey: Buffer };
}

export interface ChannelOptions {
  channelId?: string;
  questionnaireId?: string;
  kind?: QuestionnaireKind;
  topics?: string[];
  definition?: QuestionnaireDefinition;
  open?: boolean;
}

/** Creates an open channel with one recipient (never sign in as that recipient: its key is a test key). */
export async function openReportChannel(t: TestApp, o: ChannelOptions = {}): Promise<ReportChannelFixture> {
  const staff = await createStaff(t, `recipient-${crypto.randomBytes(3).toString('hex')}`, ['handler']);
  const fixture = await insertReportChannel(t.db.handle.db, t.clock.now(), staff.id, o);
  reportsOf(t.app.vigil).directory.invalidate();
  return fixture;
}

/**
 * The same straight into a database, for tests and benches that run Vigil in another process:
 * without a staffId a bare recipient row is made (it can never sign in).
 */
export async function insertReportChannel(
  db: Db,
  now: number,
  staffId: string | undefined,
  o: ChannelOptions = {},
): Promise<ReportChannelFixture> {
  const channelId = o.channelId ?? `channel-${crypto.randomBytes(3).toString('hex')}`;
  const questionnaireId = o.questionnaireId ?? `q-${crypto.randomBytes(3).toString('hex')}`;
  const definition = o.definition ?? TEST_QUESTIONNAIRE;
  if (!parseDefinition(definition).ok) throw new Error('test questionnaire is not valid');
  let recipientId = staffId;
  if (!recipientId) {
    recipientId = crypto.randomUUID();
    await db
      .insertInto('staff')
      .values({
        id: recipientId,
        username: `recipient-${crypto.randomBytes(3).toString('hex')}`,
        display_name: 'Recipient',
        status: 'active',
        password_salt: null,
        password_verifier: null,
        kdf_params: null,
        totp_secret_sealed: null,
        totp_last_step: null,
        created_at: now,
        updated_at: now,
        last_signin_at: null,
        version: 1,
        email: null,
      })
      .execute();
    await db.insertInto('staff_roles').values({ staff_id: recipientId, role: 'handler' }).execute();
  }
  const pair = generateKeyPair();
  const keyId = crypto.randomUUID();
  await db
    .insertInto('staff_keys')
    .values({
      id: keyId,
      staff_id: recipientId,
      public_key: pair.publicKey,
      wrapped_private_key: randomBytes(60),
      status: 'active',
      created_at: now,
      retired_at: null,
    })
    .execute();
  await insertChannelRows(db, now, {
    channelId,
    questionnaireId,
    recipientIds: [recipientId],
    definition,
    kind: o.kind,
    topics: o.topics,
    open: o.open,
  });
  return {
    channelId,
    questionnaireId,
    recipient: { staffId: recipientId, keyId, privateKey: pair.privateKey },
  };
}

/**
 * The rows of an open (or closed) channel with its recipients and one questionnaire at version 1:
 * what insertReportChannel and the back-office fixtures (helpers/cases.ts) share.
 */
export async function insertChannelRows(
  db: Db,
  now: number,
  o: {
    channelId: string;
    questionnaireId: string;
    recipientIds: string[];
    definition?: QuestionnaireDefinition;
    kind?: QuestionnaireKind;
    topics?: string[];
    open?: boolean;
    ackDays?: number;
    feedbackDays?: number;
  },
): Promise<void> {
  const { channelId, questionnaireId } = o;
  await db
    .insertInto('report_channels')
    .values({
      id: channelId,
      name_en: `Channel ${channelId}`,
      name_zh: `渠道 ${channelId}`,
      description_en: '',
      description_zh: '',
      status: o.open === false ? 'closed' : 'open',
      ack_days: o.ackDays ?? 7,
      feedback_days: o.feedbackDays ?? 90,
      max_per_minute: 100_000,
      position: 0,
      created_at: now,
      updated_at: now,
      version: 1,
    })
    .execute();
  for (const staffId of o.recipientIds)
    await db
      .insertInto('channel_recipients')
      .values({ channel_id: channelId, staff_id: staffId, added_at: now })
      .execute();
  await db
    .insertInto('questionnaires')
    .values({
      id: questionnaireId,
      channel_id: channelId,
      kind: o.kind ?? 'report',
      topics: JSON.stringify(o.topics ?? []),
      position: 0,
      status: 'active',
      current_version: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('questionnaire_versions')
    .values({
      questionnaire_id: questionnaireId,
      version: 1,
      definition: JSON.stringify(o.definition ?? TEST_QUESTIONNAIRE),
      created_at: now,
      created_by: null,
    })
    .execute();
}

/** Opens a report's content key with the recipient's private key (what the back office will do). */
export async function contentKeyFor(
  t: TestApp,
  reportId: string,
  privateKey: Buffer,
  keyId: string,
): Promise<Buffer> {
  const wrap = await t.db.handle.db
    .selectFrom('report_key_wraps')
    .select('wrapped_content_key')
    .where('report_id', '=', reportId)
    .where('key_id', '=', keyId)
    .executeTakeFirstOrThrow();
  return openWithPrivateKey(
    privateKey,
    Buffer.from(wrap.wrapped_content_key),
    `report/${reportId}/content-key`,
  );
}

/** The decrypted answers body of a report: { answers, lang, files }. */
export async function openAnswers(
  t: TestApp,
  reportId: string,
  contentKey: Buffer,
): Promise<{ answers: Record<string, unknown>; lang: string; files: string[] }> {
  const row = await t.db.handle.db
    .selectFrom('reports')
    .select('sealed_answers')
    .where('id', '=', reportId)
    .executeTakeFirstOrThrow();
  return JSON.parse(
    open(contentKey, Buffer.from(row.sealed_answers), `report/${reportId}/answers`).toString('utf8'),
  );
}
