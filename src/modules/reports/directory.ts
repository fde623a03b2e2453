/**
 * What the intake path needs to know about channels, questionnaires and recipients, read from the
 * database and kept for a few seconds: the intake path reads it for every report, and it changes
 * only when an admin edits a channel or a recipient signs in for the first time. Changes made on
 * this node clear it at once (invalidate()); other nodes see them within TTL_MS.
 */

import type { RecipientPublicKey } from '../../platform/crypto/index.ts';
import type { Db } from '../../platform/db/index.ts';
import type { ChannelStatus, QuestionnaireKind, ReportChannelsTable } from '../../platform/db/schema.ts';
import { type LocalText, parseDefinition, type QuestionnaireDefinition } from './questionnaire.ts';

export const TTL_MS = 5_000;

/** A channel's own settings, as the intake path and the admin pages both read them. */
export interface ChannelSettings {
  id: string;
  name: LocalText;
  description: LocalText;
  status: ChannelStatus;
  ackDays: number;
  feedbackDays: number;
  maxPerMinute: number;
  position: number;
  version: number;
}

export function channelSettingsOf(c: ReportChannelsTable): ChannelSettings {
  return {
    id: c.id,
    name: { en: c.name_en, 'zh-CN': c.name_zh },
    description: { en: c.description_en, 'zh-CN': c.description_zh },
    status: c.status,
    ackDays: c.ack_days,
    feedbackDays: c.feedback_days,
    maxPerMinute: c.max_per_minute,
    position: c.position,
    version: c.version,
  };
}

export interface ChannelInfo extends ChannelSettings {
  /** Staff named as recipients (whether or not they hold a key yet). */
  recipientStaff: { id: string; displayName: string; hasKey: boolean; active: boolean }[];
  /** Active keys of active recipients: every report of the channel is sealed to each of them. */
  recipientKeys: RecipientPublicKey[];
  /** Open to the public: status open and at least one recipient who can read. */
  accepting: boolean;
}

export interface QuestionnaireInfo {
  id: string;
  channelId: string;
  kind: QuestionnaireKind;
  topics: string[];
  position: number;
  status: 'active' | 'retired';
  version: number;
  definition: QuestionnaireDefinition;
}

export interface DirectorySnapshot {
  channels: Map<string, ChannelInfo>;
  questionnaires: Map<string, QuestionnaireInfo>;
  /** Active questionnaires of accepting channels, in display order: what /report offers. */
  offered: QuestionnaireInfo[];
  byTopic: Map<string, QuestionnaireInfo>;
  /** The organisation recovery key's public half: every report's keys are also sealed to it. */
  recoveryKey: { keyId: string; publicKey: Buffer } | null;
}

export class ChannelDirectory {
  private cached: { at: number; value: Promise<DirectorySnapshot> } | undefined;
  private readonly versions = new Map<string, Promise<QuestionnaireDefinition | undefined>>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  invalidate(): void {
    this.cached = undefined;
  }

  snapshot(): Promise<DirectorySnapshot> {
    const t = this.now();
    if (!this.cached || t - this.cached.at > TTL_MS) {
      const value = this.load();
      this.cached = { at: t, value };
      value.catch(() => {
        if (this.cached?.value === value) this.cached = undefined;
      });
    }
    return this.cached.value;
  }

  /** A questionnaire's definition at a given version (versions never change once written). */
  definitionAt(questionnaireId: string, version: number): Promise<QuestionnaireDefinition | undefined> {
    const key = `${questionnaireId}@${version}`;
    let p = this.versions.get(key);
    if (!p) {
      p = this.db
        .selectFrom('questionnaire_versions')
        .select('definition')
        .where('questionnaire_id', '=', questionnaireId)
        .where('version', '=', version)
        .executeTakeFirst()
        .then((row) => {
          if (!row) return undefined;
          const parsed = parseDefinition(JSON.parse(row.definition));
          return parsed.ok ? parsed.definition : undefined;
        });
      if (this.versions.size > 500) this.versions.clear();
      this.versions.set(key, p);
      p.catch(() => this.versions.delete(key));
    }
    return p;
  }

  private async load(): Promise<DirectorySnapshot> {
    const [channelRows, recipientRows, questionnaireRows, recoveryRow] = await Promise.all([
      this.db.selectFrom('report_channels').selectAll().orderBy('position').orderBy('id').execute(),
      this.db
        .selectFrom('channel_recipients as r')
        .innerJoin('staff as s', 's.id', 'r.staff_id')
        .leftJoin('staff_keys as k', (j) => j.onRef('k.staff_id', '=', 's.id').on('k.status', '=', 'active'))
        .select([
          'r.channel_id',
          's.id as staff_id',
          's.display_name',
          's.status',
          'k.id as key_id',
          'k.public_key',
        ])
        .orderBy('s.display_name')
        .execute(),
      this.db
        .selectFrom('questionnaires as q')
        .innerJoin('questionnaire_versions as v', (j) =>
          j.onRef('v.questionnaire_id', '=', 'q.id').onRef('v.version', '=', 'q.current_version'),
        )
        .select([
          'q.id',
          'q.channel_id',
          'q.kind',
          'q.topics',
          'q.position',
          'q.status',
          'q.current_version',
          'v.definition',
        ])
        .orderBy('q.position')
        .orderBy('q.id')
        .execute(),
      this.db
        .selectFrom('recovery_keys')
        .select(['id', 'public_key'])
        .where('status', '=', 'active')
        .orderBy('created_at', 'desc')
        .executeTakeFirst(),
    ]);
    const channels = new Map<string, ChannelInfo>();
    for (const c of channelRows) {
      channels.set(c.id, {
        ...channelSettingsOf(c),
        recipientStaff: [],
        recipientKeys: [],
        accepting: false,
      });
    }
    for (const r of recipientRows) {
      const c = channels.get(r.channel_id);
      if (!c) continue;
      const active = r.status === 'active';
      let staff = c.recipientStaff.find((s) => s.id === r.staff_id);
      if (!staff) {
        staff = { id: r.staff_id, displayName: r.display_name, hasKey: false, active };
        c.recipientStaff.push(staff);
      }
      if (r.key_id && r.public_key) {
        staff.hasKey = true;
        if (active)
          c.recipientKeys.push({
            keyId: r.key_id,
            staffId: r.staff_id,
            publicKey: Buffer.from(r.public_key),
          });
      }
    }
    for (const c of channels.values()) c.accepting = c.status === 'open' && c.recipientKeys.length > 0;

    const questionnaires = new Map<string, QuestionnaireInfo>();
    for (const q of questionnaireRows) {
      const parsed = parseDefinition(JSON.parse(q.definition));
      if (!parsed.ok) continue;
      questionnaires.set(q.id, {
        id: q.id,
        channelId: q.channel_id,
        kind: q.kind,
        topics: safeTopics(q.topics),
        position: q.position,
        status: q.status,
        version: q.current_version,
        definition: parsed.definition,
      });
    }
    const offered = [...questionnaires.values()].filter(
      (q) => q.status === 'active' && channels.get(q.channelId)?.accepting === true,
    );
    const byTopic = new Map<string, QuestionnaireInfo>();
    for (const q of offered) for (const t of q.topics) if (!byTopic.has(t)) byTopic.set(t, q);
    const recoveryKey = recoveryRow
      ? { keyId: recoveryRow.id, publicKey: Buffer.from(recoveryRow.public_key) }
      : null;
    return { channels, questionnaires, offered, byTopic, recoveryKey };
  }
}

function safeTopics(json: string): string[] {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}
