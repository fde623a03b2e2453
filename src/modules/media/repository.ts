/** SQL for the media table (and the one question asked of posts: is this file in use?). */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Db } from '../../platform/db/index.ts';
import type { Database, MediaTable } from '../../platform/db/schema.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';
import type { MediaVariant } from './images.ts';

type Executor = Kysely<Database> | Transaction<Database>;
export type MediaRow = Selectable<MediaTable>;

export interface MediaItem {
  id: string;
  kind: 'image' | 'video' | 'captions';
  mime: string;
  /** Bytes stored on disk, all variants together. */
  bytes: number;
  width: number | null;
  height: number | null;
  durationMs: number | null;
  /** Captions: the language of the track. */
  lang: Lang | null;
  /** Captions and posters: the video they belong to. */
  parentId: string | null;
  /** Alternative text of an image; for a video, the description that names it. */
  alt: Record<Lang, string>;
  variants: MediaVariant[];
  createdBy: string | null;
  createdAt: number;
}

function parseVariants(json: string): MediaVariant[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as MediaVariant[]) : [];
  } catch {
    return [];
  }
}

export function toItem(row: MediaRow): MediaItem {
  return {
    id: row.id,
    kind: row.kind,
    mime: row.mime,
    bytes: Number(row.bytes),
    width: row.width,
    height: row.height,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    lang: row.lang === 'en' || row.lang === 'zh-CN' ? row.lang : null,
    parentId: row.parent_id,
    alt: { en: row.alt_en, 'zh-CN': row.alt_zh },
    variants: parseVariants(row.variants),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}

export function toRow(item: MediaItem): MediaTable {
  return {
    id: item.id,
    kind: item.kind,
    mime: item.mime,
    bytes: item.bytes,
    width: item.width,
    height: item.height,
    duration_ms: item.durationMs,
    lang: item.lang,
    parent_id: item.parentId,
    alt_en: item.alt.en,
    alt_zh: item.alt['zh-CN'],
    variants: JSON.stringify(item.variants),
    created_by: item.createdBy,
    created_at: item.createdAt,
  };
}

export class MediaRepository {
  constructor(private readonly db: Db) {}

  async insert(items: MediaItem[], trx: Executor = this.db): Promise<void> {
    if (items.length > 0) await trx.insertInto('media').values(items.map(toRow)).execute();
  }

  async get(id: string, trx: Executor = this.db): Promise<MediaItem | undefined> {
    const row = await trx.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toItem(row);
  }

  async getMany(ids: readonly string[]): Promise<MediaItem[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('media')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toItem);
  }

  async children(parentId: string, trx: Executor = this.db): Promise<MediaItem[]> {
    const rows = await trx
      .selectFrom('media')
      .selectAll()
      .where('parent_id', '=', parentId)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toItem);
  }

  async childrenOf(parentIds: readonly string[]): Promise<MediaItem[]> {
    if (parentIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('media')
      .selectAll()
      .where('parent_id', 'in', [...parentIds])
      .execute();
    return rows.map(toItem);
  }

  /** Top-level media (not captions or posters), newest first. */
  async list(offset: number, limit: number): Promise<{ items: MediaItem[]; total: number }> {
    const rows = await this.db
      .selectFrom('media')
      .selectAll()
      .where('parent_id', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    const count = await this.db
      .selectFrom('media')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('parent_id', 'is', null)
      .executeTakeFirstOrThrow();
    return { items: rows.map(toItem), total: Number(count.n) };
  }

  async updateAlt(ids: readonly string[], alt: Record<Lang, string>, trx: Executor): Promise<void> {
    await trx
      .updateTable('media')
      .set({ alt_en: alt.en, alt_zh: alt['zh-CN'] })
      .where('id', 'in', [...ids])
      .execute();
  }

  async delete(ids: readonly string[], trx: Executor): Promise<void> {
    if (ids.length > 0)
      await trx
        .deleteFrom('media')
        .where('id', 'in', [...ids])
        .execute();
  }

  /**
   * How many posts show this file: as cover or video of their live or current version, or named
   * (by its id) in their live HTML or current Markdown.
   */
  async usedByPosts(id: string, trx: Executor = this.db): Promise<number> {
    const like = `%${id}%`;
    const rows = await trx
      .selectFrom('posts')
      .innerJoin('post_revisions', 'post_revisions.id', 'posts.current_revision_id')
      .select('posts.id')
      .where((eb) =>
        eb.or([
          eb('posts.pub_cover_media_id', '=', id),
          eb('posts.pub_video_media_id', '=', id),
          eb('post_revisions.cover_media_id', '=', id),
          eb('post_revisions.video_media_id', '=', id),
          eb('posts.pub_html', 'like', like),
          eb('post_revisions.body_md', 'like', like),
        ]),
      )
      .limit(100)
      .execute();
    return rows.length;
  }
}
