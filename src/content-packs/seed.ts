/**
 * Writes a content pack into a running app: the law through the law service, guides through the
 * guides service, the video (with poster and captions) through the media service, posts through
 * the content service, and the reporting channels and questionnaires through the reports module
 * (closed and without recipients: nobody holds a key at seed time). Idempotent: everything is keyed
 * (law and article slugs, guide slugs, a media id derived from the pack and media key, posts by
 * language and slug, channel and questionnaire ids), and what exists is left as it is, so an
 * editor's or admin's changes survive a second seed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';
import { guidesService } from '../modules/guides/module.ts';
import { lawService } from '../modules/law/module.ts';
import { ChannelsRepository } from '../modules/reports/channels.repository.ts';
import { ChannelsService } from '../modules/reports/channels.service.ts';
import type { ReportsServices } from '../modules/reports/module.ts';
import type { Actor } from '../platform/audit/audit-log.ts';
import type { Lang } from '../platform/views/i18n/index.ts';
import { type ContentPack, type PackVideo, resolvePackLinks } from './loader.ts';

/** What the seeder needs from the content module (`ctx.services.get('content')`). */
export interface ContentSeedApi {
  createPublished(
    input: {
      kind: 'post' | 'page';
      lang: Lang;
      slug: string;
      translationGroup: string;
      title: string;
      summary: string;
      bodyMd: string;
      tags: string[];
      series?: string;
      reportTopic?: string;
      coverMediaId?: string;
      videoMediaId?: string;
      pinned?: boolean;
      publishedAt?: number;
    },
    actor: Actor,
  ): Promise<{ id: string; created: boolean }>;
}

type FileSource = Buffer | { path: string; move?: boolean };
type MediaResult = { ok: true; value: unknown } | { ok: false; problems: unknown[] };

/** What the seeder needs from the media module (`ctx.services.get('media')`). */
export interface MediaSeedApi {
  get(id: string): Promise<unknown>;
  storeVideo(input: {
    source: FileSource;
    alt: Record<Lang, string>;
    actor: Actor;
    poster?: FileSource;
    captions?: Partial<Record<Lang, Buffer | string>>;
    id?: string;
  }): Promise<MediaResult>;
}

export interface SeedReport {
  law: { created: boolean; articles: number };
  guides: number;
  videos: number;
  posts: number;
  /** Reporting channels and questionnaires created. */
  channels: number;
  questionnaires: number;
  /** What could not be seeded, and why (a module missing, a refused file). */
  skipped: string[];
}

function hasMethods<T>(value: unknown, ...names: string[]): value is T {
  return (
    typeof value === 'object' &&
    value !== null &&
    names.every((n) => typeof (value as Record<string, unknown>)[n] === 'function')
  );
}

/** A stable UUID for a pack's media item, so a second seed finds what the first one stored. */
export function packMediaId(pack: string, key: string): string {
  const h = crypto.createHash('sha256').update(`vigil-content-pack\0${pack}\0${key}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5 (name-based)
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function packMarkerKey(pack: string): string {
  return `content-pack:${pack}`;
}

/** Post and page addresses, as the content module makes them. */
function postPath(kind: 'post' | 'page', slug: string): string {
  return `${kind === 'page' ? '/pages' : '/posts'}/${encodeURIComponent(slug)}`;
}

async function seedVideo(
  pack: ContentPack,
  video: PackVideo,
  media: MediaSeedApi,
  actor: Actor,
  report: SeedReport,
): Promise<string | undefined> {
  const id = packMediaId(pack.name, video.key);
  if (await media.get(id)) return id;
  const file = video.files[0]!;
  const captions: Partial<Record<Lang, string>> = {};
  for (const [lang, p] of Object.entries(video.captions) as [Lang, string][]) {
    captions[lang] = fs.readFileSync(p, 'utf8');
  }
  const stored = await media.storeVideo({
    id,
    source: { path: file.path },
    alt: video.alt,
    actor,
    ...(video.poster ? { poster: { path: video.poster } } : {}),
    captions,
  });
  if (stored.ok) {
    report.videos++;
    return id;
  }
  // Stored meanwhile by another node seeding at the same time: use it.
  if (await media.get(id)) return id;
  report.skipped.push(
    `video ${video.key}: refused by the media service (${JSON.stringify(stored.problems)})`,
  );
  return undefined;
}

/** Seeds every part of the pack; returns what was created. Safe to run any number of times. */
export async function seedContentPack(
  ctx: AppContext,
  pack: ContentPack,
  actor: Actor = { id: null, label: `content-pack:${pack.name}` },
): Promise<SeedReport> {
  const report: SeedReport = {
    law: { created: false, articles: 0 },
    guides: 0,
    videos: 0,
    posts: 0,
    channels: 0,
    questionnaires: 0,
    skipped: [],
  };

  if (pack.law) {
    const law = pack.law;
    const done = await lawService(ctx).importLaw(
      { slug: law.slug, title: law.title, summary: law.summary, position: law.position },
      law.articles,
    );
    report.law = { created: done.law, articles: done.articles };
  }

  const guides = guidesService(ctx);
  for (const g of pack.guides) if (await guides.importGuide(g)) report.guides++;

  if (pack.reporting) {
    const reports = ctx.services.get('reports') as ReportsServices | undefined;
    if (reports?.directory) {
      const channels = new ChannelsService(ctx, new ChannelsRepository(ctx.db), reports.directory);
      const done = await channels.importPack(actor, {
        channels: pack.reporting.channels.map((c) => ({ ...c, status: 'closed' as const })),
        questionnaires: pack.reporting.questionnaires.map((q) => ({
          id: q.id,
          channelId: q.channel,
          kind: q.kind,
          topics: q.topics,
          position: q.position,
          status: 'active' as const,
          definition: q.definition,
        })),
      });
      report.channels = done.channels;
      report.questionnaires = done.questionnaires;
    } else {
      report.skipped.push('reporting channels: the reports module is not available');
    }
  }

  const videoIds = new Map<string, string>();
  const media = ctx.services.get('media');
  if (pack.videos.length > 0) {
    if (hasMethods<MediaSeedApi>(media, 'get', 'storeVideo')) {
      for (const v of pack.videos) {
        const id = await seedVideo(pack, v, media, actor, report);
        if (id) videoIds.set(v.key, id);
      }
    } else {
      report.skipped.push('videos: the media module is not available');
    }
  }

  const content = ctx.services.get('content');
  if (pack.posts.length > 0) {
    if (hasMethods<ContentSeedApi>(content, 'createPublished')) {
      const now = ctx.now();
      // Oldest first, so feeds and notices see them in the order they were "published".
      const ordered = [...pack.posts].sort((a, b) => b.daysAgo - a.daysAgo);
      for (const p of ordered) {
        const videoMediaId = p.video ? videoIds.get(p.video) : undefined;
        for (const t of p.translations) {
          const result = await content.createPublished(
            {
              kind: p.kind,
              lang: t.lang,
              slug: p.slug,
              translationGroup: p.translationGroup,
              title: t.title,
              summary: t.summary,
              bodyMd: resolvePackLinks(t.bodyMd, postPath),
              tags: t.tags,
              ...(t.series ? { series: t.series } : {}),
              ...(p.reportTopic ? { reportTopic: p.reportTopic } : {}),
              ...(videoMediaId ? { videoMediaId } : {}),
              pinned: p.pinned,
              publishedAt: now - p.daysAgo * 86_400_000 - (t.lang === 'en' ? 0 : 1),
            },
            actor,
          );
          if (result.created) report.posts++;
        }
      }
    } else {
      report.skipped.push('posts: the content module is not available');
    }
  }

  const created =
    report.law.articles +
    (report.law.created ? 1 : 0) +
    report.guides +
    report.videos +
    report.posts +
    report.channels +
    report.questionnaires;
  const now = ctx.now();
  const marker = JSON.stringify({ version: pack.version, seededAt: now });
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('settings')
      .values({ key: packMarkerKey(pack.name), value: marker, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: marker, updated_at: now }))
      .execute();
    if (created > 0)
      await ctx.audit.record(
        {
          actor,
          action: 'content-pack.seeded',
          targetType: 'content-pack',
          targetId: pack.name,
          details: {
            version: pack.version,
            law: report.law,
            guides: report.guides,
            videos: report.videos,
            posts: report.posts,
            channels: report.channels,
            questionnaires: report.questionnaires,
            skipped: report.skipped,
          },
        },
        trx,
      );
  });
  return report;
}

/** True when nothing public has been created yet and no pack was ever seeded. */
export async function isEmptyForSeeding(ctx: AppContext, packName: string): Promise<boolean> {
  const marker = await ctx.db
    .selectFrom('settings')
    .select('key')
    .where('key', '=', packMarkerKey(packName))
    .executeTakeFirst();
  if (marker) return false;
  for (const table of ['posts', 'laws', 'guides'] as const) {
    const row = await ctx.db.selectFrom(table).select(sql<number>`1`.as('one')).limit(1).executeTakeFirst();
    if (row) return false;
  }
  return true;
}

/**
 * Runs `fn` while holding a database-wide lock on PostgreSQL, so several nodes starting at once
 * seed once; SQLite has a single writer process.
 */
export async function withSeedLock<T>(ctx: AppContext, fn: () => Promise<T>): Promise<T> {
  if (ctx.dialect !== 'postgres') return fn();
  return ctx.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(7302452)`.execute(conn);
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(7302452)`.execute(conn);
    }
  });
}
