/**
 * Writes published posts straight into the posts table (the live pub_* columns and post_tags), for
 * tests of what reads them (feeds, sitemap, notices) without going through editing and review.
 */
import crypto from 'node:crypto';
import type { Db } from '../../src/platform/db/index.ts';
import type { PostsTable } from '../../src/platform/db/schema.ts';

export interface PostSeed {
  id?: string;
  kind?: 'post' | 'page';
  lang: 'zh-CN' | 'en';
  slug: string;
  title: string;
  summary?: string;
  html?: string;
  tags?: string[];
  status?: PostsTable['status'];
  publishedAt: number;
  firstPublishedAt?: number;
  group?: string;
}

export function postRow(p: PostSeed): PostsTable {
  const id = p.id ?? crypto.randomUUID();
  const status = p.status ?? 'published';
  const live = status === 'published';
  return {
    id,
    kind: p.kind ?? 'post',
    lang: p.lang,
    slug: p.slug,
    translation_group: p.group ?? id,
    status,
    current_revision_id: `${id}-r1`,
    published_revision_id: live ? `${id}-r1` : null,
    review_state: 'none',
    submitted_by: null,
    submitted_at: null,
    reviewed_by: null,
    reviewed_at: null,
    review_note: null,
    publish_at: null,
    first_published_at: live ? (p.firstPublishedAt ?? p.publishedAt) : null,
    published_at: live ? p.publishedAt : null,
    pinned: 0,
    pub_title: live ? p.title : null,
    pub_summary: live ? (p.summary ?? '') : null,
    pub_html: live ? (p.html ?? `<p>${p.title}</p>`) : null,
    pub_cover_media_id: null,
    pub_video_media_id: null,
    pub_series: null,
    pub_report_topic: null,
    created_by: 'seed',
    created_at: p.publishedAt,
    updated_at: p.publishedAt,
    version: 1,
  };
}

export async function insertPosts(db: Db, posts: PostSeed[]): Promise<string[]> {
  const ids: string[] = [];
  const rows = posts.map((p) => {
    const row = postRow(p);
    ids.push(row.id);
    return { row, tags: p.tags ?? [] };
  });
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    await db
      .insertInto('posts')
      .values(chunk.map((r) => r.row))
      .execute();
    const tags = chunk.flatMap((r) => r.tags.map((tag) => ({ post_id: r.row.id, tag })));
    if (tags.length) await db.insertInto('post_tags').values(tags).execute();
  }
  return ids;
}
