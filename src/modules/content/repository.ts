/** SQL for posts, their revisions, live tags and the media they show. No rules here: see service.ts. */
import { sql, type Transaction } from 'kysely';
import type { Db } from '../../platform/db/index.ts';
import type { Database, MediaTable, PostRevisionsTable, PostsTable } from '../../platform/db/schema.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';

export type Exec = Db | Transaction<Database>;
export type PostRow = PostsTable;
export type RevisionRow = PostRevisionsTable;

/** The filters of the back-office list. */
export type AdminStatusFilter =
  | 'all'
  | 'draft'
  | 'in_review'
  | 'approved'
  | 'changes_requested'
  | 'published'
  | 'unpublished';

export interface AdminListItem {
  id: string;
  kind: PostsTable['kind'];
  lang: Lang;
  slug: string;
  status: PostsTable['status'];
  reviewState: PostsTable['review_state'];
  title: string;
  pinned: boolean;
  publishAt: number | null;
  updatedAt: number;
  pendingChanges: boolean;
}

/** A live post as public pages, feeds and search read it. */
export interface LiveRow {
  id: string;
  kind: PostsTable['kind'];
  lang: Lang;
  slug: string;
  translation_group: string;
  pinned: number;
  pub_title: string | null;
  pub_summary: string | null;
  pub_html: string | null;
  pub_cover_media_id: string | null;
  pub_video_media_id: string | null;
  pub_series: string | null;
  pub_report_topic: string | null;
  first_published_at: number | null;
  published_at: number | null;
}

const LIVE_COLUMNS = [
  'id',
  'kind',
  'lang',
  'slug',
  'translation_group',
  'pinned',
  'pub_title',
  'pub_summary',
  'pub_html',
  'pub_cover_media_id',
  'pub_video_media_id',
  'pub_series',
  'pub_report_topic',
  'first_published_at',
  'published_at',
] as const;

export interface LiveQuery {
  lang?: Lang;
  kind?: PostsTable['kind'];
  tag?: string;
  series?: string;
  limit: number;
  offset?: number;
}

export class ContentRepository {
  constructor(readonly db: Db) {}

  // ---- posts and revisions -------------------------------------------------------------------

  async findPost(id: string, exec: Exec = this.db): Promise<PostRow | undefined> {
    return exec.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findPostBySlug(lang: Lang, slug: string, exec: Exec = this.db): Promise<PostRow | undefined> {
    return exec
      .selectFrom('posts')
      .selectAll()
      .where('lang', '=', lang)
      .where('slug', '=', slug)
      .executeTakeFirst();
  }

  async findRevision(id: string, exec: Exec = this.db): Promise<RevisionRow | undefined> {
    return exec.selectFrom('post_revisions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async revisionByNumber(postId: string, n: number): Promise<RevisionRow | undefined> {
    return this.db
      .selectFrom('post_revisions')
      .selectAll()
      .where('post_id', '=', postId)
      .where('n', '=', n)
      .executeTakeFirst();
  }

  /** Every revision of a post, newest first, without bodies. */
  async listRevisions(postId: string) {
    return this.db
      .selectFrom('post_revisions')
      .leftJoin('staff', 'staff.id', 'post_revisions.created_by')
      .select([
        'post_revisions.id',
        'post_revisions.n',
        'post_revisions.title',
        'post_revisions.created_by',
        'post_revisions.created_at',
        'staff.display_name as author_name',
      ])
      .where('post_revisions.post_id', '=', postId)
      .orderBy('post_revisions.n', 'desc')
      .execute();
  }

  async lastRevisionNumber(exec: Exec, postId: string): Promise<number> {
    const r = await exec
      .selectFrom('post_revisions')
      .select((eb) => eb.fn.max('n').as('n'))
      .where('post_id', '=', postId)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Who wrote the revisions after `afterN` (the changes a review would put online). */
  async authorsSince(exec: Exec, postId: string, afterN: number): Promise<string[]> {
    const rows = await exec
      .selectFrom('post_revisions')
      .select('created_by')
      .distinct()
      .where('post_id', '=', postId)
      .where('n', '>', afterN)
      .execute();
    return rows.map((r) => r.created_by);
  }

  async insertPost(exec: Exec, row: PostRow): Promise<void> {
    await exec.insertInto('posts').values(row).execute();
  }

  async insertRevision(exec: Exec, row: RevisionRow): Promise<void> {
    await exec.insertInto('post_revisions').values(row).execute();
  }

  /**
   * Updates a post only if it still has the version the caller read (optimistic concurrency), and
   * moves the version on. Returns false when someone else changed it meanwhile.
   */
  async updatePost(
    exec: Exec,
    id: string,
    expectedVersion: number,
    set: Partial<PostRow>,
    now: number,
  ): Promise<boolean> {
    const r = await exec
      .updateTable('posts')
      .set({ ...set, updated_at: now, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async replaceTags(exec: Exec, postId: string, tags: string[]): Promise<void> {
    await exec.deleteFrom('post_tags').where('post_id', '=', postId).execute();
    if (tags.length > 0)
      await exec
        .insertInto('post_tags')
        .values(tags.map((tag) => ({ post_id: postId, tag })))
        .execute();
  }

  /** The back-office list: newest change first, with the current revision's title. */
  async listForAdmin(filter: {
    status: AdminStatusFilter;
    lang?: Lang;
    limit: number;
    offset: number;
  }): Promise<AdminListItem[]> {
    let q = this.db
      .selectFrom('posts')
      .innerJoin('post_revisions', 'post_revisions.id', 'posts.current_revision_id')
      .select([
        'posts.id',
        'posts.kind',
        'posts.lang',
        'posts.slug',
        'posts.status',
        'posts.review_state',
        'posts.pinned',
        'posts.publish_at',
        'posts.updated_at',
        'posts.current_revision_id',
        'posts.published_revision_id',
        'post_revisions.title',
      ]);
    switch (filter.status) {
      case 'draft':
      case 'published':
      case 'unpublished':
        q = q.where('posts.status', '=', filter.status);
        break;
      case 'in_review':
      case 'approved':
      case 'changes_requested':
        q = q.where('posts.review_state', '=', filter.status);
        break;
      default:
        break;
    }
    if (filter.lang) q = q.where('posts.lang', '=', filter.lang);
    const rows = await q
      .orderBy('posts.updated_at', 'desc')
      .orderBy('posts.id')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      lang: r.lang,
      slug: r.slug,
      status: r.status,
      reviewState: r.review_state,
      title: r.title,
      pinned: r.pinned === 1,
      publishAt: r.publish_at,
      updatedAt: r.updated_at,
      pendingChanges: r.status === 'published' && r.current_revision_id !== r.published_revision_id,
    }));
  }

  /** Posts to link as a translation (in the other language when it is known), newest first. */
  async translationCandidates(otherThan: Lang | undefined, excludeId?: string) {
    let q = this.db
      .selectFrom('posts')
      .innerJoin('post_revisions', 'post_revisions.id', 'posts.current_revision_id')
      .select(['posts.id', 'posts.lang', 'posts.translation_group', 'posts.slug', 'post_revisions.title'])
      .orderBy('posts.updated_at', 'desc')
      .limit(300);
    if (otherThan) q = q.where('posts.lang', '!=', otherThan);
    if (excludeId) q = q.where('posts.id', '!=', excludeId);
    return q.execute();
  }

  async groupMembers(group: string, exec: Exec = this.db) {
    return exec
      .selectFrom('posts')
      .select(['id', 'lang', 'slug', 'kind', 'status', 'pub_title'])
      .where('translation_group', '=', group)
      .execute();
  }

  /** Approved posts whose publication time has come. */
  async dueForPublication(now: number) {
    return this.db
      .selectFrom('posts')
      .select(['id'])
      .where('review_state', '=', 'approved')
      .where('publish_at', '<=', now)
      .orderBy('publish_at')
      .limit(100)
      .execute();
  }

  // ---- live posts ----------------------------------------------------------------------------

  async findLive(slug: string, kind: PostsTable['kind']): Promise<LiveRow[]> {
    return this.db
      .selectFrom('posts')
      .select(LIVE_COLUMNS)
      .where('slug', '=', slug)
      .where('kind', '=', kind)
      .where('status', '=', 'published')
      .execute();
  }

  async listLive(q: LiveQuery): Promise<LiveRow[]> {
    return this.liveWhere(q)
      .select(LIVE_COLUMNS)
      .orderBy('first_published_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .offset(q.offset ?? 0)
      .execute();
  }

  async countLive(q: Omit<LiveQuery, 'limit' | 'offset'>): Promise<number> {
    const r = await this.liveWhere(q)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  private liveWhere(q: Omit<LiveQuery, 'limit' | 'offset'>) {
    const { lang, kind, series, tag } = q;
    return this.db
      .selectFrom('posts')
      .where('status', '=', 'published')
      .$if(lang !== undefined, (qb) => qb.where('lang', '=', lang!))
      .$if(kind !== undefined, (qb) => qb.where('kind', '=', kind!))
      .$if(series !== undefined, (qb) => qb.where('pub_series', '=', series!))
      .$if(tag !== undefined, (qb) =>
        qb.where((eb) =>
          eb.exists(
            eb
              .selectFrom('post_tags')
              .select(sql<number>`1`.as('one'))
              .whereRef('post_tags.post_id', '=', 'posts.id')
              .where('post_tags.tag', '=', tag!),
          ),
        ),
      );
  }

  async pinned(lang: Lang): Promise<LiveRow | undefined> {
    return this.db
      .selectFrom('posts')
      .select(LIVE_COLUMNS)
      .where('status', '=', 'published')
      .where('lang', '=', lang)
      .where('pinned', '=', 1)
      .orderBy('published_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Live tags of the given posts, in the order they were entered. */
  async tagsOf(postIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (postIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('post_tags')
      .select(['post_id', 'tag'])
      .where('post_id', 'in', postIds)
      .execute();
    for (const r of rows) out.set(r.post_id, [...(out.get(r.post_id) ?? []), r.tag]);
    return out;
  }

  // ---- media ---------------------------------------------------------------------------------

  async mediaByIds(ids: string[]): Promise<MediaTable[]> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return [];
    return this.db.selectFrom('media').selectAll().where('id', 'in', wanted).execute();
  }

  async mediaChildren(parentId: string): Promise<MediaTable[]> {
    return this.db.selectFrom('media').selectAll().where('parent_id', '=', parentId).execute();
  }

  /** Top-level media of one kind, newest first, for the editor's selects. */
  async listMedia(kind: 'image' | 'video', limit = 300) {
    return this.db
      .selectFrom('media')
      .select(['id', 'alt_en', 'alt_zh', 'mime', 'created_at'])
      .where('kind', '=', kind)
      .where('parent_id', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  }

  async mediaKind(id: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('media')
      .select(['kind', 'parent_id'])
      .where('id', '=', id)
      .executeTakeFirst();
    return r && r.parent_id === null ? r.kind : undefined;
  }

  async staffNames(ids: (string | null)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
    if (wanted.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('staff')
      .select(['id', 'display_name'])
      .where('id', 'in', wanted)
      .execute();
    return new Map(rows.map((r) => [r.id, r.display_name]));
  }

  // ---- settings ------------------------------------------------------------------------------

  async readSetting(key: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return r?.value;
  }

  async writeSetting(exec: Exec, key: string, value: string, now: number): Promise<void> {
    await exec
      .insertInto('settings')
      .values({ key, value, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
      .execute();
  }
}
