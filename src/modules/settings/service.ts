/**
 * Site settings an admin can change in the back office (names and texts in both languages).
 * Held in memory for rendering; a change made on another node is picked up by `refreshIfChanged`,
 * which compares one timestamp, so pages never need a query for them.
 */
import type { Actor, AuditLog } from '../../platform/audit/audit-log.ts';
import type { Db } from '../../platform/db/index.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';

export interface SiteSettings {
  orgName: Record<Lang, string>;
  tagline: Record<Lang, string>;
}

export const DEFAULT_SITE_SETTINGS: SiteSettings = {
  orgName: { en: 'Vigil', 'zh-CN': 'Vigil 守望' },
  tagline: { en: '', 'zh-CN': '' },
};

const KEY = 'site';

export class SettingsService {
  private current: SiteSettings = DEFAULT_SITE_SETTINGS;
  private seenUpdatedAt = -1;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly now: () => number = Date.now,
  ) {}

  get site(): SiteSettings {
    return this.current;
  }

  /** Called whenever the settings change here or on another node (page caches clear themselves). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async refreshIfChanged(): Promise<boolean> {
    const row = await this.db
      .selectFrom('settings')
      .select(['value', 'updated_at'])
      .where('key', '=', KEY)
      .executeTakeFirst();
    const updatedAt = row?.updated_at ?? 0;
    if (updatedAt === this.seenUpdatedAt) return false;
    this.seenUpdatedAt = updatedAt;
    this.current = row ? mergeDefaults(JSON.parse(row.value)) : DEFAULT_SITE_SETTINGS;
    for (const l of this.listeners) l();
    return true;
  }

  async update(actor: Actor, next: SiteSettings): Promise<void> {
    const before = this.current;
    const now = this.now();
    const value = JSON.stringify(next);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('settings')
        .values({ key: KEY, value, updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
        .execute();
      await this.audit.record(
        {
          actor,
          action: 'settings.changed',
          targetType: 'settings',
          targetId: KEY,
          details: { changed: diffKeys(before, next) },
        },
        trx,
      );
    });
    await this.refreshIfChanged();
  }
}

function mergeDefaults(v: Partial<SiteSettings>): SiteSettings {
  return {
    orgName: { ...DEFAULT_SITE_SETTINGS.orgName, ...(v.orgName ?? {}) },
    tagline: { ...DEFAULT_SITE_SETTINGS.tagline, ...(v.tagline ?? {}) },
  };
}

function diffKeys(a: SiteSettings, b: SiteSettings): Record<string, { from: string; to: string }> {
  const out: Record<string, { from: string; to: string }> = {};
  for (const group of ['orgName', 'tagline'] as const) {
    for (const lang of ['en', 'zh-CN'] as const) {
      if (a[group][lang] !== b[group][lang])
        out[`${group}.${lang}`] = { from: a[group][lang], to: b[group][lang] };
    }
  }
  return out;
}
