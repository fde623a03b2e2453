/** SQL for the admin side of channels, recipients and questionnaires. No rules here: see channels.service.ts. */
import type { Transaction } from 'kysely';
import type { Db } from '../../platform/db/index.ts';
import type {
  Database,
  QuestionnairesTable,
  QuestionnaireVersionsTable,
  ReportChannelsTable,
  Role,
  StaffTable,
} from '../../platform/db/schema.ts';

export type Exec = Db | Transaction<Database>;

export interface RecipientRow {
  channelId: string;
  staffId: string;
  username: string;
  displayName: string;
  email: string | null;
  status: StaffTable['status'];
  hasKey: boolean;
  addedAt: number;
}

export interface StaffOption {
  id: string;
  username: string;
  displayName: string;
  status: StaffTable['status'];
  roles: Role[];
  hasKey: boolean;
}

export interface VersionRow {
  version: number;
  createdAt: number;
  createdBy: string | null;
}

export class ChannelsRepository {
  constructor(readonly db: Db) {}

  listChannels(exec: Exec = this.db): Promise<ReportChannelsTable[]> {
    return exec.selectFrom('report_channels').selectAll().orderBy('position').orderBy('id').execute();
  }

  findChannel(id: string, exec: Exec = this.db): Promise<ReportChannelsTable | undefined> {
    return exec.selectFrom('report_channels').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertChannel(exec: Exec, row: ReportChannelsTable): Promise<void> {
    await exec.insertInto('report_channels').values(row).execute();
  }

  /** Updates a channel only if it still has the version the caller read (optimistic concurrency). */
  async updateChannel(
    exec: Exec,
    id: string,
    expectedVersion: number,
    set: Partial<ReportChannelsTable>,
    now: number,
  ): Promise<boolean> {
    const r = await exec
      .updateTable('report_channels')
      .set({ ...set, updated_at: now, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Takes the channel's row lock for the rest of the transaction (a no-op update: PostgreSQL locks
   * the row, SQLite has one writer), so opening a channel and removing its recipients never race.
   */
  async lockChannel(exec: Exec, id: string): Promise<boolean> {
    const r = await exec
      .updateTable('report_channels')
      .set((eb) => ({ version: eb.ref('version') }))
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Recipients with what decides whether they can read: account status and an active key. */
  async recipients(channelId?: string, exec: Exec = this.db): Promise<RecipientRow[]> {
    let q = exec
      .selectFrom('channel_recipients as r')
      .innerJoin('staff as s', 's.id', 'r.staff_id')
      .select((eb) => [
        'r.channel_id',
        'r.added_at',
        's.id',
        's.username',
        's.display_name',
        's.email',
        's.status',
        eb
          .exists(
            eb
              .selectFrom('staff_keys as k')
              .select('k.id')
              .whereRef('k.staff_id', '=', 's.id')
              .where('k.status', '=', 'active'),
          )
          .as('has_key'),
      ])
      .orderBy('s.display_name')
      .orderBy('s.id');
    if (channelId !== undefined) q = q.where('r.channel_id', '=', channelId);
    const rows = await q.execute();
    return rows.map((r) => ({
      channelId: r.channel_id,
      staffId: r.id,
      username: r.username,
      displayName: r.display_name,
      email: r.email,
      status: r.status,
      hasKey: Boolean(r.has_key),
      addedAt: r.added_at,
    }));
  }

  async addRecipient(exec: Exec, channelId: string, staffId: string, now: number): Promise<boolean> {
    const r = await exec
      .insertInto('channel_recipients')
      .values({ channel_id: channelId, staff_id: staffId, added_at: now })
      .onConflict((oc) => oc.columns(['channel_id', 'staff_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async removeRecipient(exec: Exec, channelId: string, staffId: string): Promise<boolean> {
    const r = await exec
      .deleteFrom('channel_recipients')
      .where('channel_id', '=', channelId)
      .where('staff_id', '=', staffId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Staff who may be named as recipients: everyone not disabled, with their roles and key. */
  async staffOptions(exec: Exec = this.db): Promise<StaffOption[]> {
    const rows = await exec
      .selectFrom('staff as s')
      .select((eb) => [
        's.id',
        's.username',
        's.display_name',
        's.status',
        eb
          .exists(
            eb
              .selectFrom('staff_keys as k')
              .select('k.id')
              .whereRef('k.staff_id', '=', 's.id')
              .where('k.status', '=', 'active'),
          )
          .as('has_key'),
      ])
      .where('s.status', '!=', 'disabled')
      .orderBy('s.display_name')
      .orderBy('s.id')
      .execute();
    const roles = await exec.selectFrom('staff_roles').selectAll().execute();
    return rows.map((r) => ({
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      status: r.status,
      roles: roles.filter((x) => x.staff_id === r.id).map((x) => x.role),
      hasKey: Boolean(r.has_key),
    }));
  }

  listQuestionnaires(exec: Exec = this.db): Promise<QuestionnairesTable[]> {
    return exec.selectFrom('questionnaires').selectAll().orderBy('position').orderBy('id').execute();
  }

  findQuestionnaire(id: string, exec: Exec = this.db): Promise<QuestionnairesTable | undefined> {
    return exec.selectFrom('questionnaires').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The current definition of every questionnaire (JSON text), by id. */
  async currentDefinitions(exec: Exec = this.db): Promise<Map<string, string>> {
    const rows = await exec
      .selectFrom('questionnaires as q')
      .innerJoin('questionnaire_versions as v', (j) =>
        j.onRef('v.questionnaire_id', '=', 'q.id').onRef('v.version', '=', 'q.current_version'),
      )
      .select(['q.id', 'v.definition'])
      .execute();
    return new Map(rows.map((r) => [r.id, r.definition]));
  }

  async versions(questionnaireId: string, exec: Exec = this.db): Promise<VersionRow[]> {
    const rows = await exec
      .selectFrom('questionnaire_versions as v')
      .leftJoin('staff as s', 's.id', 'v.created_by')
      .select(['v.version', 'v.created_at', 's.display_name'])
      .where('v.questionnaire_id', '=', questionnaireId)
      .orderBy('v.version', 'desc')
      .execute();
    return rows.map((r) => ({ version: r.version, createdAt: r.created_at, createdBy: r.display_name }));
  }

  versionAt(
    questionnaireId: string,
    version: number,
    exec: Exec = this.db,
  ): Promise<QuestionnaireVersionsTable | undefined> {
    return exec
      .selectFrom('questionnaire_versions')
      .selectAll()
      .where('questionnaire_id', '=', questionnaireId)
      .where('version', '=', version)
      .executeTakeFirst();
  }

  async insertQuestionnaire(exec: Exec, row: QuestionnairesTable): Promise<void> {
    await exec.insertInto('questionnaires').values(row).execute();
  }

  async insertVersion(exec: Exec, row: QuestionnaireVersionsTable): Promise<void> {
    await exec.insertInto('questionnaire_versions').values(row).execute();
  }

  /** Updates a questionnaire only if it is still as the caller read it (version and update time). */
  async updateQuestionnaire(
    exec: Exec,
    id: string,
    expected: { currentVersion: number; updatedAt: number },
    set: Partial<QuestionnairesTable>,
  ): Promise<boolean> {
    const r = await exec
      .updateTable('questionnaires')
      .set(set)
      .where('id', '=', id)
      .where('current_version', '=', expected.currentVersion)
      .where('updated_at', '=', expected.updatedAt)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Report topics the public site links to (guides, published posts and pages). */
  async linkedTopics(exec: Exec = this.db): Promise<string[]> {
    const guides = await exec.selectFrom('guides').select('report_topic as topic').distinct().execute();
    const posts = await exec
      .selectFrom('posts')
      .select('pub_report_topic as topic')
      .where('status', '=', 'published')
      .where('pub_report_topic', 'is not', null)
      .distinct()
      .execute();
    const all = new Set<string>();
    for (const r of [...guides, ...posts]) if (r.topic) all.add(r.topic);
    return [...all].sort();
  }
}
