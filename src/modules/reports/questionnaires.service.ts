/**
 * The rules of versioned questionnaires (admins). A changed definition is saved as a new version
 * and old versions are never touched: every report records the version it answered. A topic
 * ("report this" links open /report?topic=<topic>) leads to one active questionnaire. Every change
 * is audited in the transaction that makes it and clears the intake path's cached directory.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import { isUniqueViolation } from '../../platform/db/index.ts';
import type { Database, QuestionnaireKind, QuestionnairesTable } from '../../platform/db/schema.ts';
import type { ChannelsRepository, Exec } from './channels.repository.ts';
import type { ChannelDirectory } from './directory.ts';
import { type LocalText, parseDefinition, type QuestionnaireDefinition } from './questionnaire.ts';

export const KINDS: readonly QuestionnaireKind[] = ['report', 'self-disclosure', 'complaint'];

export interface QuestionnaireSummary {
  id: string;
  channelId: string;
  kind: QuestionnaireKind;
  topics: string[];
  position: number;
  status: 'active' | 'retired';
  version: number;
  updatedAt: number;
  /** Undefined when the stored definition no longer parses (it is shown as such). */
  title: LocalText | undefined;
}

export interface QuestionnaireInput {
  channelId: string;
  kind: QuestionnaireKind;
  topics: string[];
  position: number;
  status: 'active' | 'retired';
  definition: QuestionnaireDefinition;
}

export type QuestionnaireOutcome =
  | { ok: true; id: string; version: number; newVersion: boolean }
  | { ok: false; reason: 'not-found' | 'id-taken' | 'unknown-channel' }
  | { ok: false; reason: 'stale'; currentVersion: number }
  | { ok: false; reason: 'topic-taken'; taken: { topic: string; questionnaireId: string }[] };

export function topicsOf(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function titleOf(definitionJson: string | undefined): LocalText | undefined {
  if (definitionJson === undefined) return undefined;
  try {
    const parsed = parseDefinition(JSON.parse(definitionJson));
    return parsed.ok ? parsed.definition.title : undefined;
  } catch {
    return undefined;
  }
}

/** The concurrency stamp of a questionnaire form: its version and last update. */
export function stampOf(q: Pick<QuestionnairesTable, 'current_version' | 'updated_at'>): string {
  return `${q.current_version}.${q.updated_at}`;
}

export function parseStamp(raw: string): { currentVersion: number; updatedAt: number } | undefined {
  const m = /^(\d{1,9})\.(\d{1,16})$/.exec(raw.trim());
  if (!m) return undefined;
  return { currentVersion: Number(m[1]), updatedAt: Number(m[2]) };
}

/** Every questionnaire with its current version's title. */
export async function questionnaireSummaries(
  repo: ChannelsRepository,
  exec: Exec = repo.db,
): Promise<QuestionnaireSummary[]> {
  const [rows, definitions] = await Promise.all([
    repo.listQuestionnaires(exec),
    repo.currentDefinitions(exec),
  ]);
  return rows.map((q) => ({
    id: q.id,
    channelId: q.channel_id,
    kind: q.kind,
    topics: topicsOf(q.topics),
    position: q.position,
    status: q.status,
    version: q.current_version,
    updatedAt: q.updated_at,
    title: titleOf(definitions.get(q.id)),
  }));
}

export class QuestionnairesService {
  constructor(
    private readonly ctx: AppContext,
    private readonly repo: ChannelsRepository,
    private readonly directory: ChannelDirectory,
  ) {}

  private async audited<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const result = await this.repo.db.transaction().execute(fn);
    this.directory.invalidate();
    return result;
  }

  questionnaires(): Promise<QuestionnaireSummary[]> {
    return questionnaireSummaries(this.repo);
  }

  findQuestionnaire(id: string) {
    return this.repo.findQuestionnaire(id);
  }

  versions(id: string) {
    return this.repo.versions(id);
  }

  /** A stored version's definition, as text and parsed (undefined when the version does not exist). */
  async versionAt(
    id: string,
    version: number,
  ): Promise<
    { text: string; definition: QuestionnaireDefinition | undefined; createdAt: number } | undefined
  > {
    const row = await this.repo.versionAt(id, version);
    if (!row) return undefined;
    let definition: QuestionnaireDefinition | undefined;
    try {
      const parsed = parseDefinition(JSON.parse(row.definition));
      definition = parsed.ok ? parsed.definition : undefined;
    } catch {
      definition = undefined;
    }
    return { text: row.definition, definition, createdAt: row.created_at };
  }

  /** Topics that another active questionnaire already answers (a topic leads to one questionnaire). */
  private async takenTopics(exec: Exec, id: string, input: QuestionnaireInput) {
    if (input.status !== 'active' || input.topics.length === 0) return [];
    const others = (await this.repo.listQuestionnaires(exec)).filter(
      (q) => q.id !== id && q.status === 'active',
    );
    const taken: { topic: string; questionnaireId: string }[] = [];
    for (const topic of input.topics) {
      const other = others.find((q) => topicsOf(q.topics).includes(topic));
      if (other) taken.push({ topic, questionnaireId: other.id });
    }
    return taken;
  }

  async createQuestionnaire(
    actor: Actor,
    id: string,
    input: QuestionnaireInput,
  ): Promise<QuestionnaireOutcome> {
    const now = this.ctx.now();
    try {
      return await this.audited(async (trx): Promise<QuestionnaireOutcome> => {
        if (await this.repo.findQuestionnaire(id, trx)) return { ok: false, reason: 'id-taken' };
        if (!(await this.repo.findChannel(input.channelId, trx)))
          return { ok: false, reason: 'unknown-channel' };
        const taken = await this.takenTopics(trx, id, input);
        if (taken.length > 0) return { ok: false, reason: 'topic-taken', taken };
        await this.repo.insertQuestionnaire(trx, {
          id,
          channel_id: input.channelId,
          kind: input.kind,
          topics: JSON.stringify(input.topics),
          position: input.position,
          status: input.status,
          current_version: 1,
          created_at: now,
          updated_at: now,
        });
        await this.repo.insertVersion(trx, {
          questionnaire_id: id,
          version: 1,
          definition: JSON.stringify(input.definition),
          created_at: now,
          created_by: actor.id,
        });
        await this.ctx.audit.record(
          {
            actor,
            action: 'questionnaire.created',
            targetType: 'questionnaire',
            targetId: id,
            details: { channelId: input.channelId, kind: input.kind, topics: input.topics, version: 1 },
          },
          trx,
        );
        return { ok: true, id, version: 1, newVersion: true };
      });
    } catch (err) {
      if (isUniqueViolation(err)) return { ok: false, reason: 'id-taken' };
      throw err;
    }
  }

  /**
   * Saves a questionnaire. A changed definition becomes a new version (the old ones are never
   * touched: reports point at the version they answered); settings alone change in place.
   */
  async saveQuestionnaire(
    actor: Actor,
    id: string,
    stamp: { currentVersion: number; updatedAt: number },
    input: QuestionnaireInput,
  ): Promise<QuestionnaireOutcome> {
    const now = this.ctx.now();
    return this.audited(async (trx): Promise<QuestionnaireOutcome> => {
      const before = await this.repo.findQuestionnaire(id, trx);
      if (!before) return { ok: false, reason: 'not-found' };
      if (before.current_version !== stamp.currentVersion || before.updated_at !== stamp.updatedAt)
        return { ok: false, reason: 'stale', currentVersion: before.current_version };
      if (!(await this.repo.findChannel(input.channelId, trx)))
        return { ok: false, reason: 'unknown-channel' };
      const taken = await this.takenTopics(trx, id, input);
      if (taken.length > 0) return { ok: false, reason: 'topic-taken', taken };
      const current = await this.repo.versionAt(id, before.current_version, trx);
      const text = JSON.stringify(input.definition);
      const newVersion = current?.definition !== text;
      const version = newVersion ? before.current_version + 1 : before.current_version;
      // The stamp must change with every save, even when the clock has not moved on.
      const updatedAt = Math.max(now, before.updated_at + 1);
      const next = {
        channel_id: input.channelId,
        kind: input.kind,
        topics: JSON.stringify(input.topics),
        position: input.position,
        status: input.status,
      };
      const done = await this.repo.updateQuestionnaire(trx, id, stamp, {
        ...next,
        current_version: version,
        updated_at: updatedAt,
      });
      if (!done) return { ok: false, reason: 'stale', currentVersion: before.current_version };
      if (newVersion)
        await this.repo.insertVersion(trx, {
          questionnaire_id: id,
          version,
          definition: text,
          created_at: now,
          created_by: actor.id,
        });
      const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => before[k] !== next[k]);
      await this.ctx.audit.record(
        {
          actor,
          action: newVersion ? 'questionnaire.version-saved' : 'questionnaire.updated',
          targetType: 'questionnaire',
          targetId: id,
          details: { version, changed },
        },
        trx,
      );
      return { ok: true, id, version, newVersion };
    });
  }
}
