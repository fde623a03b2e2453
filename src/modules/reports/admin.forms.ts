/**
 * Reading and checking the channel and questionnaire forms of the admin pages. Pure: values in,
 * an input for the service or problems (as codes, worded in admin.messages.ts) out. Nothing the
 * admin typed is dropped: the page re-renders the raw values with the problems.
 */
import type { ChannelStatus, QuestionnaireKind } from '../../platform/db/schema.ts';
import { CHANNEL_LIMITS, type ChannelInput, SLUG_RE } from './channels.service.ts';
import { parseDefinition } from './questionnaire.ts';
import { KINDS, type QuestionnaireInput } from './questionnaires.service.ts';

export type Problem =
  | { code: 'required' }
  | { code: 'too-long'; max: number }
  | { code: 'slug' }
  | { code: 'number'; min: number; max: number }
  | { code: 'feedback-before-ack' }
  | { code: 'choice' }
  | { code: 'topics' }
  | { code: 'too-many-topics'; max: number };

export type Problems = Record<string, Problem>;

/** Identifiers that would collide with the pages' own addresses (/admin/channels/new). */
export const RESERVED_IDS = new Set(['new']);

/** A JSON syntax error (with where it is), or the definition's own errors as "path: message". */
export type DefinitionProblem =
  | { kind: 'json'; line: number | undefined; column: number | undefined; detail: string }
  | { kind: 'definition'; errors: string[] };

/** Form fields and the longest value each may carry (a little above the limits, so overlong input is reported, not cut). */
export const CHANNEL_FIELDS = {
  id: 80,
  nameZh: 200,
  nameEn: 200,
  descriptionZh: 1200,
  descriptionEn: 1200,
  ackDays: 12,
  feedbackDays: 12,
  maxPerMinute: 12,
  position: 12,
  status: 12,
  version: 12,
};
export type ChannelValues = Record<keyof typeof CHANNEL_FIELDS, string>;

export const DEFINITION_MAX = 200_000;
export const QUESTIONNAIRE_FIELDS = {
  id: 80,
  channelId: 80,
  kind: 40,
  topics: 1200,
  position: 12,
  status: 12,
  definition: DEFINITION_MAX + 1000,
  stamp: 40,
};
export type QuestionnaireValues = Record<keyof typeof QUESTIONNAIRE_FIELDS, string>;

function integer(raw: string, [min, max]: readonly [number, number], problems: Problems, field: string) {
  const s = raw.trim();
  if (s === '') {
    problems[field] = { code: 'required' };
    return 0;
  }
  const n = /^-?\d{1,9}$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    problems[field] = { code: 'number', min, max };
    return 0;
  }
  return n;
}

function text(raw: string, max: number, required: boolean, problems: Problems, field: string): string {
  const s = raw
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
  if (required && s === '') problems[field] = { code: 'required' };
  else if ([...s].length > max) problems[field] = { code: 'too-long', max };
  return s;
}

export function checkSlug(raw: string, problems: Problems, field = 'id'): string {
  const s = raw.trim();
  if (s === '') problems[field] = { code: 'required' };
  else if (!SLUG_RE.test(s)) problems[field] = { code: 'slug' };
  return s;
}

export function readChannelForm(v: ChannelValues): { input: ChannelInput; problems: Problems } {
  const problems: Problems = {};
  const status = v.status.trim();
  if (status !== 'open' && status !== 'closed') problems.status = { code: 'choice' };
  const input: ChannelInput = {
    name: {
      en: text(v.nameEn, CHANNEL_LIMITS.name, true, problems, 'nameEn'),
      'zh-CN': text(v.nameZh, CHANNEL_LIMITS.name, true, problems, 'nameZh'),
    },
    description: {
      en: text(v.descriptionEn, CHANNEL_LIMITS.description, false, problems, 'descriptionEn'),
      'zh-CN': text(v.descriptionZh, CHANNEL_LIMITS.description, false, problems, 'descriptionZh'),
    },
    ackDays: integer(v.ackDays, CHANNEL_LIMITS.ackDays, problems, 'ackDays'),
    feedbackDays: integer(v.feedbackDays, CHANNEL_LIMITS.feedbackDays, problems, 'feedbackDays'),
    maxPerMinute: integer(v.maxPerMinute, CHANNEL_LIMITS.maxPerMinute, problems, 'maxPerMinute'),
    position: integer(v.position, CHANNEL_LIMITS.position, problems, 'position'),
    status: (status === 'open' ? 'open' : 'closed') as ChannelStatus,
  };
  if (!problems.ackDays && !problems.feedbackDays && input.feedbackDays < input.ackDays)
    problems.feedbackDays = { code: 'feedback-before-ack' };
  return { input, problems };
}

/** "recruitment, travel" → ['recruitment', 'travel']: commas (either width), spaces or new lines. */
export function splitTopics(raw: string): string[] {
  return [
    ...new Set(
      raw
        .split(/[\s,，、;；]+/)
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

/** Where a JSON.parse error points, as line and column (V8 says "at position N" or "line L column C"). */
export function jsonErrorAt(message: string, source: string): { line?: number; column?: number } {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const pos = /position (\d+)/.exec(message);
  const end = /end of JSON/i.test(message) ? source.length : undefined;
  if (!pos && end === undefined) return {};
  const before = source.slice(0, pos ? Number(pos[1]) : end);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

export function readDefinition(
  raw: string,
):
  | { ok: true; definition: QuestionnaireInput['definition'] }
  | { ok: false; problem: DefinitionProblem | { kind: 'required' } | { kind: 'too-long'; max: number } } {
  if (raw.trim() === '') return { ok: false, problem: { kind: 'required' } };
  if (raw.length > DEFINITION_MAX) return { ok: false, problem: { kind: 'too-long', max: DEFINITION_MAX } };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    const detail = (err as Error).message.replace(/\s*\(line \d+ column \d+\)/, '');
    const at = jsonErrorAt((err as Error).message, raw);
    return { ok: false, problem: { kind: 'json', line: at.line, column: at.column, detail } };
  }
  const parsed = parseDefinition(json);
  if (!parsed.ok) return { ok: false, problem: { kind: 'definition', errors: parsed.errors } };
  return { ok: true, definition: parsed.definition };
}

export function readQuestionnaireForm(v: QuestionnaireValues): {
  input: Omit<QuestionnaireInput, 'definition'>;
  definition: ReturnType<typeof readDefinition>;
  problems: Problems;
} {
  const problems: Problems = {};
  const channelId = v.channelId.trim();
  if (channelId === '') problems.channelId = { code: 'required' };
  else if (!SLUG_RE.test(channelId)) problems.channelId = { code: 'choice' };
  const kind = v.kind.trim();
  if (!KINDS.includes(kind as QuestionnaireKind)) problems.kind = { code: 'choice' };
  const status = v.status.trim();
  if (status !== 'active' && status !== 'retired') problems.status = { code: 'choice' };
  const topics = splitTopics(v.topics);
  if (topics.some((t) => !SLUG_RE.test(t))) problems.topics = { code: 'topics' };
  else if (topics.length > CHANNEL_LIMITS.topics)
    problems.topics = { code: 'too-many-topics', max: CHANNEL_LIMITS.topics };
  return {
    input: {
      channelId,
      kind: (KINDS.includes(kind as QuestionnaireKind) ? kind : 'report') as QuestionnaireKind,
      topics,
      position: integer(v.position, CHANNEL_LIMITS.position, problems, 'position'),
      status: status === 'retired' ? 'retired' : 'active',
    },
    definition: readDefinition(v.definition),
    problems,
  };
}
