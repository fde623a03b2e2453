/**
 * Questionnaires: what a reporter is asked, in steps. Admins edit them as versioned definitions
 * (a change is a new version; a report records the version it answered). This file is pure: it
 * checks definitions, decides which questions are shown, and reads and checks answers. The web
 * wizard, staff intake and the JSON API all use the same checks.
 */
import { z } from 'zod';
import type { Lang } from '../../platform/views/i18n/index.ts';

export const QUESTION_TYPES = [
  'short-text',
  'long-text',
  'single-choice',
  'multiple-choice',
  'date',
  'date-range',
  'location',
  'yes-no',
  'file',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

const ID = /^[a-z][a-z0-9-]{0,39}$/;
const localText = (max: number) =>
  z.object({ en: z.string().trim().min(1).max(max), 'zh-CN': z.string().trim().min(1).max(max) }).strict();
const optionalLocalText = (max: number) =>
  z.object({ en: z.string().trim().max(max), 'zh-CN': z.string().trim().max(max) }).strict();

const optionSchema = z
  .object({
    value: z.string().regex(ID, 'must be lower-case letters, digits and dashes'),
    label: localText(200),
  })
  .strict();

const questionSchema = z
  .object({
    id: z.string().regex(ID, 'must be lower-case letters, digits and dashes, starting with a letter'),
    type: z.enum(QUESTION_TYPES),
    label: localText(300),
    help: optionalLocalText(1000).optional(),
    required: z.boolean().default(false),
    options: z.array(optionSchema).min(2).max(30).optional(),
    maxLength: z.number().int().min(1).max(20_000).optional(),
    showIf: z
      .object({ question: z.string().regex(ID), equals: z.array(z.string().regex(ID)).min(1).max(30) })
      .strict()
      .optional(),
  })
  .strict();

const stepSchema = z
  .object({
    id: z.string().regex(ID),
    title: localText(200),
    help: optionalLocalText(1000).optional(),
    questions: z.array(questionSchema).min(1).max(40),
  })
  .strict();

const definitionSchema = z
  .object({
    title: localText(200),
    intro: optionalLocalText(2000).optional(),
    steps: z.array(stepSchema).min(1).max(12),
  })
  .strict();

export type LocalText = { en: string; 'zh-CN': string };
export type Question = z.infer<typeof questionSchema>;
export type Step = z.infer<typeof stepSchema>;
export type QuestionnaireDefinition = z.infer<typeof definitionSchema>;

export type AnswerValue = string | string[] | { from: string; to: string };
export type Answers = Record<string, AnswerValue>;

export type AnswerProblem =
  | 'required'
  | 'too-long'
  | 'not-an-option'
  | 'bad-date'
  | 'date-order'
  | 'future-date';

export const DEFAULT_MAX_LENGTH: Record<QuestionType, number> = {
  'short-text': 200,
  'long-text': 10_000,
  'single-choice': 40,
  'multiple-choice': 40,
  date: 10,
  'date-range': 10,
  location: 120,
  'yes-no': 3,
  file: 0,
};

/** Checks a definition: its shape, unique ids, options where needed, and conditions that point back. */
export function parseDefinition(
  input: unknown,
): { ok: true; definition: QuestionnaireDefinition } | { ok: false; errors: string[] } {
  const parsed = definitionSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`),
    };
  }
  const def = parsed.data;
  const errors: string[] = [];
  const seen = new Map<string, Question>();
  const stepIds = new Set<string>();
  def.steps.forEach((step, s) => {
    if (stepIds.has(step.id)) errors.push(`steps.${s}.id: "${step.id}" is used twice`);
    stepIds.add(step.id);
    step.questions.forEach((q, n) => {
      const where = `steps.${s}.questions.${n}`;
      if (seen.has(q.id)) errors.push(`${where}.id: "${q.id}" is used twice`);
      const choice = q.type === 'single-choice' || q.type === 'multiple-choice';
      if (choice && !q.options)
        errors.push(`${where}.options: a ${q.type} question needs at least two options`);
      if (!choice && q.options) errors.push(`${where}.options: only choice questions have options`);
      if (q.options && new Set(q.options.map((o) => o.value)).size !== q.options.length)
        errors.push(`${where}.options: two options share a value`);
      if (q.showIf) {
        const target = seen.get(q.showIf.question);
        if (!target)
          errors.push(`${where}.showIf.question: "${q.showIf.question}" must be an earlier question`);
        else {
          const values =
            target.type === 'yes-no' ? ['yes', 'no'] : (target.options?.map((o) => o.value) ?? []);
          if (values.length === 0)
            errors.push(
              `${where}.showIf.question: "${q.showIf.question}" is not a choice or yes/no question`,
            );
          for (const v of q.showIf.equals)
            if (values.length > 0 && !values.includes(v))
              errors.push(`${where}.showIf.equals: "${v}" is not an answer of "${q.showIf.question}"`);
        }
      }
      seen.set(q.id, q);
    });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, definition: def };
}

export function allQuestions(def: QuestionnaireDefinition): Question[] {
  return def.steps.flatMap((s) => s.questions);
}

/** A question is shown when it has no condition, or the answer it depends on is one of the listed values. */
export function isVisible(q: Question, answers: Answers): boolean {
  if (!q.showIf) return true;
  const a = answers[q.showIf.question];
  if (typeof a === 'string') return q.showIf.equals.includes(a);
  if (Array.isArray(a)) return a.some((v) => q.showIf?.equals.includes(v));
  return false;
}

export function maxLengthOf(q: Question): number {
  return q.maxLength ?? DEFAULT_MAX_LENGTH[q.type];
}

/** Form field names: q.<id> (repeated for multiple choice); date ranges use q.<id>.from and q.<id>.to. */
export function fieldName(q: Question, part?: 'from' | 'to'): string {
  return part ? `q.${q.id}.${part}` : `q.${q.id}`;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s: string, today: string): AnswerProblem | undefined {
  if (!DATE.test(s)) return 'bad-date';
  const d = new Date(`${s}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s || s < '1900-01-01') return 'bad-date';
  // A day ahead of UTC is allowed for reporters east of Greenwich.
  if (s > today) return 'future-date';
  return undefined;
}

function first(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/**
 * Reads one question's answer from submitted form fields. Returns undefined for an empty answer.
 * Text is trimmed and line endings normalised; nothing else is changed.
 */
export function readAnswer(
  q: Question,
  fields: Record<string, string | string[] | undefined>,
): AnswerValue | undefined {
  const clean = (s: string) => s.replace(/\r\n?/g, '\n').trim();
  switch (q.type) {
    case 'multiple-choice': {
      const raw = fields[fieldName(q)];
      const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(clean).filter(Boolean);
      return values.length > 0 ? [...new Set(values)] : undefined;
    }
    case 'date-range': {
      const from = clean(first(fields[fieldName(q, 'from')]));
      const to = clean(first(fields[fieldName(q, 'to')]));
      return from || to ? { from, to } : undefined;
    }
    case 'file':
      return undefined;
    default: {
      const v = clean(first(fields[fieldName(q)]));
      return v ? v : undefined;
    }
  }
}

/** Checks one answer (already read) against its question. */
export function checkAnswer(
  q: Question,
  value: AnswerValue | undefined,
  today: string,
): AnswerProblem | undefined {
  if (value === undefined) return q.required && q.type !== 'file' ? 'required' : undefined;
  const max = maxLengthOf(q);
  switch (q.type) {
    case 'short-text':
    case 'long-text':
    case 'location':
      if (typeof value !== 'string') return 'required';
      return [...value].length > max ? 'too-long' : undefined;
    case 'single-choice':
      return typeof value === 'string' && q.options?.some((o) => o.value === value)
        ? undefined
        : 'not-an-option';
    case 'yes-no':
      return value === 'yes' || value === 'no' ? undefined : 'not-an-option';
    case 'multiple-choice':
      if (!Array.isArray(value) || value.length === 0) return 'required';
      return value.every((v) => q.options?.some((o) => o.value === v)) ? undefined : 'not-an-option';
    case 'date':
      return typeof value === 'string' ? validDate(value, today) : 'bad-date';
    case 'date-range': {
      if (typeof value !== 'object' || Array.isArray(value)) return 'bad-date';
      if (!value.from && !value.to) return q.required ? 'required' : undefined;
      for (const part of [value.from, value.to]) {
        if (part) {
          const p = validDate(part, today);
          if (p) return p;
        }
      }
      if (value.from && value.to && value.from > value.to) return 'date-order';
      return undefined;
    }
    case 'file':
      return undefined;
  }
}

/** Today's date as the reporter may see it: UTC plus one day's grace (see validDate). */
export function todayFor(now: number): string {
  return new Date(now + 14 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * Reads and checks the answers of one step from form fields. Answers to questions of the step that
 * are hidden are dropped, so a changed earlier answer never leaves stale hidden answers behind.
 */
export function readStep(
  def: QuestionnaireDefinition,
  stepIndex: number,
  fields: Record<string, string | string[] | undefined>,
  previous: Answers,
  now: number,
): { answers: Answers; errors: Record<string, AnswerProblem> } {
  const step = def.steps[stepIndex];
  const answers: Answers = { ...previous };
  const errors: Record<string, AnswerProblem> = {};
  if (!step) return { answers, errors };
  const today = todayFor(now);
  // Questions are read in order, so a condition on an earlier question of the same step sees its new answer.
  for (const q of step.questions) {
    delete answers[q.id];
    const value = readAnswer(q, fields);
    if (!isVisible(q, answers)) continue;
    const problem = checkAnswer(q, value, today);
    if (problem) errors[q.id] = problem;
    if (value !== undefined) answers[q.id] = value;
  }
  return { answers: pruneHidden(def, answers), errors };
}

/** Drops answers to questions that are no longer shown (after an earlier answer changed). */
export function pruneHidden(def: QuestionnaireDefinition, answers: Answers): Answers {
  const out: Answers = {};
  for (const q of allQuestions(def)) {
    if (answers[q.id] !== undefined && isVisible(q, out)) out[q.id] = answers[q.id] as AnswerValue;
  }
  return out;
}

/**
 * Checks a whole set of answers (the JSON API and staff intake send them at once). Unknown
 * question ids are refused, so nothing sent is silently dropped.
 */
export function checkAll(
  def: QuestionnaireDefinition,
  input: Record<string, unknown>,
  now: number,
): { answers: Answers; errors: Record<string, AnswerProblem | 'unknown-question'> } {
  const errors: Record<string, AnswerProblem | 'unknown-question'> = {};
  const byId = new Map(allQuestions(def).map((q) => [q.id, q]));
  for (const key of Object.keys(input)) if (!byId.has(key)) errors[key] = 'unknown-question';
  const answers: Answers = {};
  const today = todayFor(now);
  for (const q of allQuestions(def)) {
    const raw = input[q.id];
    let value: AnswerValue | undefined;
    if (raw === undefined || raw === null || raw === '') value = undefined;
    else if (typeof raw === 'string') value = raw.replace(/\r\n?/g, '\n').trim() || undefined;
    else if (Array.isArray(raw) && raw.every((v) => typeof v === 'string'))
      value = raw.length > 0 ? [...new Set(raw as string[])] : undefined;
    else if (typeof raw === 'object' && !Array.isArray(raw)) {
      const r = raw as Record<string, unknown>;
      value = { from: typeof r.from === 'string' ? r.from : '', to: typeof r.to === 'string' ? r.to : '' };
    } else {
      errors[q.id] = 'not-an-option';
      continue;
    }
    if (!isVisible(q, answers)) {
      continue;
    }
    // A scalar sent for a multiple-choice question is read as a one-item list; a list for a scalar is refused.
    if (q.type === 'multiple-choice' && typeof value === 'string') value = [value];
    if (q.type !== 'multiple-choice' && Array.isArray(value)) {
      errors[q.id] = 'not-an-option';
      continue;
    }
    const problem = checkAnswer(q, value, today);
    if (problem) errors[q.id] = problem;
    else if (value !== undefined) answers[q.id] = value;
  }
  return { answers, errors };
}

/** The answers as labelled text, step by step, for the review page, the receipt and staff. */
export function summarise(
  def: QuestionnaireDefinition,
  answers: Answers,
  lang: Lang,
): { step: string; items: { id: string; label: string; value: string }[] }[] {
  return def.steps
    .map((step) => ({
      step: step.title[lang],
      items: step.questions
        .filter((q) => q.type !== 'file' && answers[q.id] !== undefined && isVisible(q, answers))
        .map((q) => ({
          id: q.id,
          label: q.label[lang],
          value: displayValue(q, answers[q.id] as AnswerValue, lang),
        })),
    }))
    .filter((s) => s.items.length > 0);
}

const YES_NO: Record<Lang, Record<string, string>> = {
  en: { yes: 'Yes', no: 'No' },
  'zh-CN': { yes: '是', no: '否' },
};

export function displayValue(q: Question, value: AnswerValue, lang: Lang): string {
  const label = (v: string) => q.options?.find((o) => o.value === v)?.label[lang] ?? v;
  if (q.type === 'yes-no' && typeof value === 'string') return YES_NO[lang][value] ?? value;
  if (Array.isArray(value)) return value.map(label).join(lang === 'en' ? ', ' : '、');
  if (typeof value === 'object') return `${value.from || '…'} – ${value.to || '…'}`;
  return q.type === 'single-choice' ? label(value) : value;
}
