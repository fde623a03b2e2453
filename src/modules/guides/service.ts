/**
 * Guides on what to look out for, by audience: red flags, what to do, and the report topic their
 * "Report this" button opens. Public pages read an in-memory snapshot; a change drops it,
 * re-indexes search and announces `content.changed` (kind 'guide'), which clears the page cache.
 */
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import type { GuidesTable } from '../../platform/db/schema.ts';
import { LANGS, type Lang } from '../../platform/views/i18n/index.ts';

export type Audience = GuidesTable['audience'];
export const AUDIENCES: readonly Audience[] = ['citizens', 'company-staff', 'researchers', 'travellers'];

export type Bilingual = Record<Lang, string>;

export interface Guide {
  slug: string;
  audience: Audience;
  title: Bilingual;
  intro: Bilingual;
  redFlags: Record<Lang, string[]>;
  whatToDo: Record<Lang, string[]>;
  reportTopic: string;
  position: number;
  updatedAt: number;
}

export type GuideInput = Omit<Guide, 'updatedAt'>;
export type GuideEdit = Pick<Guide, 'title' | 'intro' | 'redFlags' | 'whatToDo' | 'reportTopic'>;

export interface GuideSnapshot {
  guides: Guide[];
  bySlug: Map<string, Guide>;
}

export const GUIDE_SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$';
/** Report topics name a questionnaire of the reporting channel: `/report?topic=<topic>`. */
export const TOPIC_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

export const GUIDE_LIMITS = { title: 120, intro: 2000, items: 20, item: 400 } as const;

export type UpdateResult = { ok: true; guide: Guide } | { ok: false; reason: 'not-found' | 'stale' };

function list(json: string): string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

function guideOf(row: GuidesTable): Guide {
  return {
    slug: row.slug,
    audience: row.audience,
    title: { en: row.title_en, 'zh-CN': row.title_zh },
    intro: { en: row.intro_en, 'zh-CN': row.intro_zh },
    redFlags: { en: list(row.red_flags_en), 'zh-CN': list(row.red_flags_zh) },
    whatToDo: { en: list(row.what_to_do_en), 'zh-CN': list(row.what_to_do_zh) },
    reportTopic: row.report_topic,
    position: row.position,
    updatedAt: row.updated_at,
  };
}

export function guideUrl(g: Pick<Guide, 'slug'>): string {
  return `/guides/${g.slug}`;
}

export function reportUrl(topic: string): string {
  return `/report?topic=${encodeURIComponent(topic)}`;
}

export class GuidesService {
  private snapshotPromise: Promise<GuideSnapshot> | undefined;

  constructor(private readonly ctx: AppContext) {}

  invalidate(): void {
    this.snapshotPromise = undefined;
  }

  snapshot(): Promise<GuideSnapshot> {
    if (!this.snapshotPromise) {
      const loading = this.load();
      this.snapshotPromise = loading;
      loading.catch(() => {
        if (this.snapshotPromise === loading) this.snapshotPromise = undefined;
      });
    }
    return this.snapshotPromise;
  }

  private async load(): Promise<GuideSnapshot> {
    const rows = await this.ctx.db
      .selectFrom('guides')
      .selectAll()
      .orderBy('position')
      .orderBy('slug')
      .execute();
    const guides = rows.map(guideOf);
    // Reading order: by audience as listed in AUDIENCES, then position.
    guides.sort(
      (a, b) =>
        AUDIENCES.indexOf(a.audience) - AUDIENCES.indexOf(b.audience) ||
        a.position - b.position ||
        a.slug.localeCompare(b.slug),
    );
    return { guides, bySlug: new Map(guides.map((g) => [g.slug, g])) };
  }

  async get(slug: string): Promise<Guide | undefined> {
    const row = await this.ctx.db
      .selectFrom('guides')
      .selectAll()
      .where('slug', '=', slug)
      .executeTakeFirst();
    return row ? guideOf(row) : undefined;
  }

  /** Adds the guide unless one with its slug exists (seeding a content pack). True when created. */
  async importGuide(g: GuideInput): Promise<boolean> {
    const r = await this.ctx.db
      .insertInto('guides')
      .values({
        slug: g.slug,
        audience: g.audience,
        title_en: g.title.en,
        title_zh: g.title['zh-CN'],
        intro_en: g.intro.en,
        intro_zh: g.intro['zh-CN'],
        red_flags_en: JSON.stringify(g.redFlags.en),
        red_flags_zh: JSON.stringify(g.redFlags['zh-CN']),
        what_to_do_en: JSON.stringify(g.whatToDo.en),
        what_to_do_zh: JSON.stringify(g.whatToDo['zh-CN']),
        report_topic: g.reportTopic,
        position: g.position,
        updated_at: this.ctx.now(),
      })
      .onConflict((oc) => oc.column('slug').doNothing())
      .executeTakeFirst();
    const created = Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    if (created) {
      this.invalidate();
      const guide = await this.get(g.slug);
      if (guide) await this.index(guide);
      await this.ctx.events.emit('content.changed', { kind: 'guide', key: g.slug });
    }
    return created;
  }

  async update(
    actor: Actor,
    slug: string,
    edit: GuideEdit,
    expectedUpdatedAt: number,
  ): Promise<UpdateResult> {
    const found = await this.get(slug);
    if (!found) return { ok: false, reason: 'not-found' };
    if (found.updatedAt !== expectedUpdatedAt) return { ok: false, reason: 'stale' };
    const now = Math.max(this.ctx.now(), found.updatedAt + 1);
    const changed: string[] = [];
    for (const field of ['title', 'intro'] as const)
      for (const lang of LANGS)
        if (found[field][lang] !== edit[field][lang]) changed.push(`${field}.${lang}`);
    for (const field of ['redFlags', 'whatToDo'] as const)
      for (const lang of LANGS)
        if (JSON.stringify(found[field][lang]) !== JSON.stringify(edit[field][lang]))
          changed.push(`${field}.${lang}`);
    if (found.reportTopic !== edit.reportTopic) changed.push('reportTopic');
    const ok = await this.ctx.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('guides')
        .set({
          title_en: edit.title.en,
          title_zh: edit.title['zh-CN'],
          intro_en: edit.intro.en,
          intro_zh: edit.intro['zh-CN'],
          red_flags_en: JSON.stringify(edit.redFlags.en),
          red_flags_zh: JSON.stringify(edit.redFlags['zh-CN']),
          what_to_do_en: JSON.stringify(edit.whatToDo.en),
          what_to_do_zh: JSON.stringify(edit.whatToDo['zh-CN']),
          report_topic: edit.reportTopic,
          updated_at: now,
        })
        .where('slug', '=', slug)
        .where('updated_at', '=', expectedUpdatedAt)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await this.ctx.audit.record(
        { actor, action: 'guide.updated', targetType: 'guide', targetId: slug, details: { changed } },
        trx,
      );
      return true;
    });
    if (!ok) return { ok: false, reason: 'stale' };
    this.invalidate();
    const guide = (await this.get(slug))!;
    await this.index(guide);
    await this.ctx.events.emit('content.changed', { kind: 'guide', key: slug });
    return { ok: true, guide };
  }

  private async index(g: Guide): Promise<void> {
    for (const lang of LANGS) {
      await this.ctx.search.index({
        key: `guide:${g.slug}:${lang}`,
        kind: 'guide',
        lang,
        title: g.title[lang],
        text: [g.intro[lang], ...g.redFlags[lang], ...g.whatToDo[lang]].join('\n'),
        url: guideUrl(g),
        updatedAt: g.updatedAt,
      });
    }
  }

  /** Puts every guide into the search index, in both languages. */
  async reindex(): Promise<number> {
    const snap = await this.snapshot();
    for (const g of snap.guides) await this.index(g);
    return snap.guides.length * LANGS.length;
  }
}
