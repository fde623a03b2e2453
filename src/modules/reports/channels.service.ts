/**
 * The rules of the reporting channel's configuration (admins): channels and their recipients
 * (questionnaires: questionnaires.service.ts). The one rule that matters most: no report may land where nobody can
 * read it, so a channel opens only with a recipient who holds a key, and its last such recipient
 * cannot be removed while it is open. Every change is audited in the transaction that makes it,
 * and clears the intake path's cached directory.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import { isUniqueViolation } from '../../platform/db/index.ts';
import type { ChannelStatus, Database } from '../../platform/db/schema.ts';
import type { ChannelsRepository, RecipientRow, StaffOption } from './channels.repository.ts';
import { type ChannelDirectory, type ChannelSettings, channelSettingsOf } from './directory.ts';
import type { LocalText } from './questionnaire.ts';
import {
  type QuestionnaireInput,
  type QuestionnaireSummary,
  questionnaireSummaries,
} from './questionnaires.service.ts';

/** Why a channel does not take reports from the public. */
export type ChannelBlock = 'closed' | 'no-recipients' | 'no-key' | 'recipients-disabled';
export type RecipientState = 'ready' | 'invited' | 'no-key' | 'disabled';

export interface RecipientView extends RecipientRow {
  state: RecipientState;
}

export interface ChannelView extends ChannelSettings {
  recipients: RecipientView[];
  accepting: boolean;
  /** Every reason it does not take reports (empty when it does). */
  blocks: ChannelBlock[];
  questionnaires: QuestionnaireSummary[];
}

export interface ChannelInput {
  name: LocalText;
  description: LocalText;
  ackDays: number;
  feedbackDays: number;
  maxPerMinute: number;
  position: number;
  status: ChannelStatus;
}

export const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$';
export const SLUG_RE = new RegExp(SLUG_PATTERN);
export const CHANNEL_LIMITS = {
  name: 120,
  description: 1000,
  ackDays: [1, 90],
  feedbackDays: [1, 365],
  maxPerMinute: [1, 100_000],
  position: [-1000, 1000],
  topics: 30,
} as const;

export type ChannelOutcome =
  | { ok: true; id: string }
  | { ok: false; reason: 'not-found' | 'id-taken' }
  | { ok: false; reason: 'stale'; current: ChannelView }
  | { ok: false; reason: 'cannot-open'; blocks: ChannelBlock[] };

export type RecipientOutcome =
  | { ok: true }
  | { ok: false; reason: 'not-found' | 'unknown-staff' | 'already' | 'not-recipient' | 'last-key-holder' };

function stateOf(r: RecipientRow): RecipientState {
  if (r.status === 'disabled') return 'disabled';
  if (r.status === 'invited') return 'invited';
  return r.hasKey ? 'ready' : 'no-key';
}

/** Why recipients as they stand could not read reports (what prevents opening the channel). */
export function recipientBlocks(recipients: RecipientView[]): ChannelBlock[] {
  if (recipients.some((r) => r.state === 'ready')) return [];
  if (recipients.length === 0) return ['no-recipients'];
  const blocks: ChannelBlock[] = [];
  if (recipients.some((r) => r.state === 'invited' || r.state === 'no-key')) blocks.push('no-key');
  if (recipients.some((r) => r.state === 'disabled')) blocks.push('recipients-disabled');
  return blocks;
}

export class ChannelsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly repo: ChannelsRepository,
    private readonly directory: ChannelDirectory,
  ) {}

  /** Every channel with its recipients, state and questionnaires; every questionnaire. */
  async overview(): Promise<{ channels: ChannelView[]; questionnaires: QuestionnaireSummary[] }> {
    const [rows, recipients, questionnaires] = await Promise.all([
      this.repo.listChannels(),
      this.repo.recipients(),
      questionnaireSummaries(this.repo),
    ]);
    const channels = rows.map((c) => {
      const own = recipients
        .filter((r) => r.channelId === c.id)
        .map((r): RecipientView => ({ ...r, state: stateOf(r) }));
      const blocks = [...(c.status === 'closed' ? (['closed'] as const) : []), ...recipientBlocks(own)];
      return {
        ...channelSettingsOf(c),
        recipients: own,
        accepting: blocks.length === 0,
        blocks,
        questionnaires: questionnaires.filter((q) => q.channelId === c.id),
      };
    });
    return { channels, questionnaires };
  }

  async channel(id: string): Promise<ChannelView | undefined> {
    return (await this.overview()).channels.find((c) => c.id === id);
  }

  staffOptions(): Promise<StaffOption[]> {
    return this.repo.staffOptions();
  }

  /** Topics the public site links to that no questionnaire of an accepting channel answers. */
  async uncoveredTopics(): Promise<string[]> {
    const [linked, snap] = await Promise.all([this.repo.linkedTopics(), this.directory.snapshot()]);
    return linked.filter((t) => !snap.byTopic.has(t));
  }

  private async audited<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const result = await this.repo.db.transaction().execute(fn);
    this.directory.invalidate();
    return result;
  }

  /** Creates a channel. A new channel has no recipients, so it can only be created closed. */
  async createChannel(actor: Actor, id: string, input: ChannelInput): Promise<ChannelOutcome> {
    if (input.status === 'open') return { ok: false, reason: 'cannot-open', blocks: ['no-recipients'] };
    const now = this.ctx.now();
    try {
      return await this.audited(async (trx) => {
        if (await this.repo.findChannel(id, trx)) return { ok: false, reason: 'id-taken' } as const;
        await this.repo.insertChannel(trx, {
          id,
          ...this.columnsOf(input),
          created_at: now,
          updated_at: now,
          version: 1,
        });
        await this.ctx.audit.record(
          {
            actor,
            action: 'report-channel.created',
            targetType: 'report-channel',
            targetId: id,
            details: { status: input.status, ackDays: input.ackDays, feedbackDays: input.feedbackDays },
          },
          trx,
        );
        return { ok: true, id } as const;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return { ok: false, reason: 'id-taken' };
      throw err;
    }
  }

  private columnsOf(input: ChannelInput) {
    return {
      name_en: input.name.en,
      name_zh: input.name['zh-CN'],
      description_en: input.description.en,
      description_zh: input.description['zh-CN'],
      status: input.status,
      ack_days: input.ackDays,
      feedback_days: input.feedbackDays,
      max_per_minute: input.maxPerMinute,
      position: input.position,
    };
  }

  async updateChannel(
    actor: Actor,
    id: string,
    expectedVersion: number,
    input: ChannelInput,
  ): Promise<ChannelOutcome> {
    const now = this.ctx.now();
    const outcome = await this.audited(async (trx): Promise<ChannelOutcome | 'stale'> => {
      if (!(await this.repo.lockChannel(trx, id))) return { ok: false, reason: 'not-found' };
      const before = await this.repo.findChannel(id, trx);
      if (!before) return { ok: false, reason: 'not-found' };
      if (before.version !== expectedVersion) return 'stale';
      // Opening needs a recipient who can read. A channel already open stays editable even when it
      // has lost its readers (the list says why it takes no reports); closing is always allowed.
      if (input.status === 'open' && before.status !== 'open') {
        const recipients = (await this.repo.recipients(id, trx)).map((r) => ({ ...r, state: stateOf(r) }));
        const blocks = recipientBlocks(recipients);
        if (blocks.length > 0) return { ok: false, reason: 'cannot-open', blocks };
      }
      const columns = this.columnsOf(input);
      if (!(await this.repo.updateChannel(trx, id, expectedVersion, columns, now))) return 'stale';
      const changed = Object.keys(columns).filter(
        (k) => before[k as keyof typeof columns] !== columns[k as keyof typeof columns],
      );
      const statusChanged = before.status !== input.status;
      await this.ctx.audit.record(
        {
          actor,
          action: statusChanged
            ? input.status === 'open'
              ? 'report-channel.opened'
              : 'report-channel.closed'
            : 'report-channel.updated',
          targetType: 'report-channel',
          targetId: id,
          details: { changed, version: expectedVersion + 1 },
        },
        trx,
      );
      return { ok: true, id };
    });
    if (outcome !== 'stale') return outcome;
    const current = await this.channel(id);
    return current ? { ok: false, reason: 'stale', current } : { ok: false, reason: 'not-found' };
  }

  async addRecipient(actor: Actor, channelId: string, staffId: string): Promise<RecipientOutcome> {
    const now = this.ctx.now();
    return this.audited(async (trx): Promise<RecipientOutcome> => {
      if (!(await this.repo.lockChannel(trx, channelId))) return { ok: false, reason: 'not-found' };
      const staff = (await this.repo.staffOptions(trx)).find((s) => s.id === staffId);
      if (!staff) return { ok: false, reason: 'unknown-staff' };
      if (!(await this.repo.addRecipient(trx, channelId, staffId, now)))
        return { ok: false, reason: 'already' };
      await this.ctx.audit.record(
        {
          actor,
          action: 'report-channel.recipient-added',
          targetType: 'report-channel',
          targetId: channelId,
          details: { staffId, username: staff.username, holdsKey: staff.hasKey },
        },
        trx,
      );
      return { ok: true };
    });
  }

  async removeRecipient(actor: Actor, channelId: string, staffId: string): Promise<RecipientOutcome> {
    return this.audited(async (trx): Promise<RecipientOutcome> => {
      if (!(await this.repo.lockChannel(trx, channelId))) return { ok: false, reason: 'not-found' };
      const channel = await this.repo.findChannel(channelId, trx);
      const recipients = (await this.repo.recipients(channelId, trx)).map((r) => ({
        ...r,
        state: stateOf(r),
      }));
      const leaving = recipients.find((r) => r.staffId === staffId);
      if (!channel || !leaving) return { ok: false, reason: 'not-recipient' };
      const rest = recipients.filter((r) => r.staffId !== staffId);
      if (channel.status === 'open' && leaving.state === 'ready' && recipientBlocks(rest).length > 0)
        return { ok: false, reason: 'last-key-holder' };
      await this.repo.removeRecipient(trx, channelId, staffId);
      await this.ctx.audit.record(
        {
          actor,
          action: 'report-channel.recipient-removed',
          targetType: 'report-channel',
          targetId: channelId,
          details: { staffId, username: leaving.username },
        },
        trx,
      );
      return { ok: true };
    });
  }

  /**
   * Seeds a content pack's channels and questionnaires: what exists (by id) is left as it is, so an
   * admin's changes survive a second seed. Returns how many of each were created.
   */
  async importPack(
    actor: Actor,
    pack: {
      channels: ({ id: string } & ChannelInput)[];
      questionnaires: ({ id: string } & QuestionnaireInput)[];
    },
  ): Promise<{ channels: number; questionnaires: number }> {
    const now = this.ctx.now();
    const created = { channels: 0, questionnaires: 0 };
    await this.audited(async (trx) => {
      for (const c of pack.channels) {
        if (await this.repo.findChannel(c.id, trx)) continue;
        // Seeded channels start closed: nobody holds a key at seed time.
        await this.repo.insertChannel(trx, {
          id: c.id,
          ...this.columnsOf({ ...c, status: 'closed' }),
          created_at: now,
          updated_at: now,
          version: 1,
        });
        created.channels++;
      }
      for (const q of pack.questionnaires) {
        if (await this.repo.findQuestionnaire(q.id, trx)) continue;
        if (!(await this.repo.findChannel(q.channelId, trx))) continue;
        await this.repo.insertQuestionnaire(trx, {
          id: q.id,
          channel_id: q.channelId,
          kind: q.kind,
          topics: JSON.stringify(q.topics),
          position: q.position,
          status: q.status,
          current_version: 1,
          created_at: now,
          updated_at: now,
        });
        await this.repo.insertVersion(trx, {
          questionnaire_id: q.id,
          version: 1,
          definition: JSON.stringify(q.definition),
          created_at: now,
          created_by: actor.id,
        });
        created.questionnaires++;
      }
    });
    return created;
  }
}
