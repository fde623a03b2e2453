/**
 * Posts and pages: drafts with revisions, review by someone else, publication (now or at a set
 * time), unpublishing, and the read side that public pages, the home page, feeds and the seed use.
 *
 * The live version of a post is denormalised into posts.pub_* and post_tags when a revision goes
 * live, so readers' pages read one row. Every change is audited in the transaction that makes it;
 * search indexing and events follow the commit.
 */
import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Actor, AuditLog } from '../../platform/audit/audit-log.ts';
import { SYSTEM_ACTOR } from '../../platform/audit/audit-log.ts';
import { isUniqueViolation } from '../../platform/db/index.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { EventBus } from '../../platform/events.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import type { SearchIndex } from '../../platform/search/index.ts';
import { isLang, type Lang } from '../../platform/views/i18n/index.ts';
import { htmlToText, isSafeHref, renderMarkdown } from './markdown.ts';
import { type MediaItem, mediaItemOf, type VideoBundle } from './media-markup.ts';
import type { ContentRepository, Exec, LiveRow, PostRow, RevisionRow } from './repository.ts';
import { MAX_SLUG, MAX_TAGS, normaliseTags, SLUG_PATTERN, slugify, TOPIC_PATTERN } from './slugs.ts';

export const REINDEX_JOB = 'content.reindex';
export const PUBLISH_DUE_JOB = 'content.publish-due';

export const LIMITS = {
  title: 200,
  summary: 500,
  bodyMd: 100_000,
  slug: MAX_SLUG,
  tags: 500,
  series: 60,
  reportTopic: 60,
  note: 2000,
  bannerText: 200,
  bannerLink: 500,
} as const;

export type PostKind = PostRow['kind'];

export type ContentProblem =
  | 'required'
  | 'tooLong'
  | 'slugRules'
  | 'slugTaken'
  | 'invalidChoice'
  | 'tooManyTags'
  | 'topicRules'
  | 'badTime'
  | 'mediaMissing'
  | 'badLink';

export type Refusal = 'notFound' | 'stale' | 'ownPost' | 'wrongState' | 'nothingToPublish';

export type Outcome<T = object> =
  | ({ ok: true } & T)
  | { ok: false; problems: Record<string, ContentProblem> }
  | { ok: false; refused: Refusal };

/** The editor's form, as typed (strings; the checkbox as a boolean). */
export interface DraftFields {
  title: string;
  summary: string;
  bodyMd: string;
  slug: string;
  lang: string;
  kind: string;
  /** Id of the post in the other language this one translates, or ''. */
  translationOf: string;
  /** Comma-separated. */
  tags: string;
  series: string;
  reportTopic: string;
  coverMediaId: string;
  videoMediaId: string;
  pinned: boolean;
  /** `YYYY-MM-DDTHH:MM` in UTC, or ''. */
  publishAt: string;
}

interface ParsedDraft {
  title: string;
  summary: string;
  bodyMd: string;
  slug: string;
  lang: Lang;
  kind: PostKind;
  translationGroup: string | null;
  tags: string[];
  series: string | null;
  reportTopic: string | null;
  coverMediaId: string | null;
  videoMediaId: string | null;
  pinned: boolean;
  publishAt: number | null;
}

/** What the content pack seeds: created and published at once (seeding is trusted). */
export interface SeedPostInput {
  kind: PostKind;
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
}

/** A live post for feeds and other readers. */
export interface PublishedItem {
  id: string;
  kind: PostKind;
  lang: Lang;
  slug: string;
  title: string;
  summary: string;
  /** The sanitised HTML of the body. */
  html: string;
  /** Absolute URL (config.publicUrl + path). */
  url: string;
  /** Site-relative path, e.g. /posts/<slug>. */
  path: string;
  tags: string[];
  /** First publication. */
  publishedAt: number;
  /** Last time a revision went live. */
  updatedAt: number;
  coverMediaId: string | null;
}

export interface Banner {
  en: string;
  'zh-CN': string;
  link: string;
  active: boolean;
}

export const EMPTY_BANNER: Banner = { en: '', 'zh-CN': '', link: '', active: false };
const BANNER_KEY = 'banner';

/** Everything a post page shows: the live version, or a revision being previewed. */
export interface PostView {
  id: string;
  kind: PostKind;
  lang: Lang;
  slug: string;
  path: string;
  title: string;
  summary: string;
  html: string;
  tags: string[];
  series: string | null;
  reportTopic: string | null;
  cover: MediaItem | undefined;
  video: VideoBundle | undefined;
  publishedAt: number | null;
  updatedAt: number | null;
  translations: { lang: Lang; path: string; title: string }[];
  seriesPosts: { path: string; title: string; current: boolean }[];
}

export interface ListedPost {
  id: string;
  kind: PostKind;
  lang: Lang;
  path: string;
  title: string;
  summary: string;
  tags: string[];
  publishedAt: number | null;
  cover: MediaItem | undefined;
}

export function pathOf(kind: PostKind, slug: string): string {
  return `${kind === 'page' ? '/pages' : '/posts'}/${encodeURIComponent(slug)}`;
}

/** Parses `YYYY-MM-DDTHH:MM[:SS]` (a datetime-local field) as UTC. */
export function parseUtcTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?Z?$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as number[];
  if (y! < 2000 || y! > 2200) return undefined;
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d! || h! > 23 || mi! > 59 || s! > 59)
    return undefined;
  return ms;
}

export function formatUtcInput(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString().slice(0, 16);
}

export function parseTagsJson(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export interface ContentServiceDeps {
  repo: ContentRepository;
  audit: AuditLog;
  search: SearchIndex;
  events: EventBus;
  jobs: JobQueue;
  now: () => number;
  publicUrl: string;
}

export class ContentService {
  constructor(private readonly d: ContentServiceDeps) {}

  get repo(): ContentRepository {
    return this.d.repo;
  }

  /** A post's site-relative address (feeds, the sitemap and emails ask for it). */
  postPath(post: { kind: PostKind; slug: string }): string {
    return pathOf(post.kind, post.slug);
  }

  // ---- validation ----------------------------------------------------------------------------

  private async validate(
    f: DraftFields,
    existing: PostRow | undefined,
  ): Promise<{ draft?: ParsedDraft; problems: Record<string, ContentProblem> }> {
    const { repo } = this.d;
    const problems: Record<string, ContentProblem> = {};
    const title = f.title.trim();
    const summary = f.summary.trim();
    const bodyMd = f.bodyMd.replace(/\r\n?/g, '\n');
    if (title === '') problems.title = 'required';
    else if (title.length > LIMITS.title) problems.title = 'tooLong';
    if (summary.length > LIMITS.summary) problems.summary = 'tooLong';
    if (bodyMd.trim() === '') problems.bodyMd = 'required';
    else if (bodyMd.length > LIMITS.bodyMd) problems.bodyMd = 'tooLong';

    // Address, language and kind are fixed once a post has been public: links to it must keep working.
    const locked = existing?.first_published_at != null;
    let lang: Lang = existing?.lang ?? 'zh-CN';
    let kind: PostKind = existing?.kind ?? 'post';
    let slug = existing?.slug ?? '';
    if (!locked) {
      if (isLang(f.lang)) lang = f.lang;
      else problems.lang = 'invalidChoice';
      if (f.kind === 'post' || f.kind === 'page') kind = f.kind;
      else problems.kind = 'invalidChoice';
      if (f.slug.trim() === '') {
        slug = slugify(title) || `p-${crypto.randomBytes(4).toString('hex')}`;
      } else if (f.slug.length > LIMITS.slug) {
        problems.slug = 'tooLong';
      } else {
        slug = slugify(f.slug);
        if (!SLUG_PATTERN.test(slug)) problems.slug = 'slugRules';
      }
    }

    let tags: string[] = [];
    if (f.tags.length > LIMITS.tags) problems.tags = 'tooLong';
    else {
      tags = normaliseTags(f.tags);
      if (tags.length > MAX_TAGS) problems.tags = 'tooManyTags';
    }

    let series: string | null = null;
    if (f.series.trim() !== '') {
      if (f.series.length > LIMITS.series) problems.series = 'tooLong';
      else {
        series = slugify(f.series, LIMITS.series);
        if (!series) problems.series = 'slugRules';
      }
    }

    let reportTopic: string | null = null;
    const topic = f.reportTopic.trim().toLowerCase();
    if (topic !== '') {
      if (topic.length > LIMITS.reportTopic) problems.reportTopic = 'tooLong';
      else if (!TOPIC_PATTERN.test(topic)) problems.reportTopic = 'topicRules';
      else reportTopic = topic;
    }

    let publishAt: number | null = null;
    if (f.publishAt.trim() !== '') {
      const t = parseUtcTime(f.publishAt);
      if (t === undefined) problems.publishAt = 'badTime';
      else publishAt = t;
    }

    const cover = f.coverMediaId.trim();
    if (cover !== '' && (cover.length > 64 || (await repo.mediaKind(cover)) !== 'image'))
      problems.coverMediaId = 'mediaMissing';
    const video = f.videoMediaId.trim();
    if (video !== '' && (video.length > 64 || (await repo.mediaKind(video)) !== 'video'))
      problems.videoMediaId = 'mediaMissing';

    let translationGroup: string | null = null;
    const other = f.translationOf.trim();
    if (other !== '') {
      const target = /^[0-9a-f-]{36}$/.test(other) ? await repo.findPost(other) : undefined;
      if (!target || target.lang === lang || target.id === existing?.id)
        problems.translationOf = 'invalidChoice';
      else translationGroup = target.translation_group;
    }

    if (Object.keys(problems).length > 0) return { problems };
    return {
      problems,
      draft: {
        title,
        summary,
        bodyMd,
        slug,
        lang,
        kind,
        translationGroup,
        tags,
        series,
        reportTopic,
        coverMediaId: cover || null,
        videoMediaId: video || null,
        pinned: f.pinned,
        publishAt,
      },
    };
  }

  // ---- editing -------------------------------------------------------------------------------

  async createDraft(actor: Actor, fields: DraftFields): Promise<Outcome<{ id: string }>> {
    const { repo, audit, now } = this.d;
    const { draft, problems } = await this.validate(fields, undefined);
    if (!draft) return { ok: false, problems };
    const id = crypto.randomUUID();
    const revisionId = crypto.randomUUID();
    const t = now();
    const author = actor.id ?? 'system';
    try {
      const created = await repo.db.transaction().execute(async (trx) => {
        if (await repo.findPostBySlug(draft.lang, draft.slug, trx)) return false;
        await repo.insertPost(trx, {
          id,
          kind: draft.kind,
          lang: draft.lang,
          slug: draft.slug,
          translation_group: draft.translationGroup ?? id,
          status: 'draft',
          current_revision_id: revisionId,
          published_revision_id: null,
          review_state: 'none',
          submitted_by: null,
          submitted_at: null,
          reviewed_by: null,
          reviewed_at: null,
          review_note: null,
          publish_at: draft.publishAt,
          first_published_at: null,
          published_at: null,
          pinned: draft.pinned ? 1 : 0,
          pub_title: null,
          pub_summary: null,
          pub_html: null,
          pub_cover_media_id: null,
          pub_video_media_id: null,
          pub_series: null,
          pub_report_topic: null,
          created_by: author,
          created_at: t,
          updated_at: t,
          version: 1,
        });
        await repo.insertRevision(trx, revisionRow(revisionId, id, 1, draft, author, t));
        await audit.record(
          {
            actor,
            action: 'post.created',
            targetType: 'post',
            targetId: id,
            details: { lang: draft.lang, kind: draft.kind, slug: draft.slug, revision: 1 },
          },
          trx,
        );
        return true;
      });
      if (!created) return { ok: false, problems: { slug: 'slugTaken' } };
    } catch (err) {
      if (isUniqueViolation(err)) return { ok: false, problems: { slug: 'slugTaken' } };
      throw err;
    }
    return { ok: true, id };
  }

  /**
   * Saves the editor's form. A change to the content makes a new revision; any change but pinning
   * and the translation link sends the post back to the start of review (a live version stays
   * online meanwhile). A save that changes nothing writes nothing.
   */
  async saveDraft(
    actor: Actor,
    id: string,
    version: number,
    fields: DraftFields,
  ): Promise<Outcome<{ revision: number | null; reviewReset: boolean; changed: boolean }>> {
    const { repo, audit, now } = this.d;
    const post = await repo.findPost(id);
    if (!post) return { ok: false, refused: 'notFound' };
    const { draft, problems } = await this.validate(fields, post);
    if (!draft) return { ok: false, problems };
    if (post.version !== version) return { ok: false, refused: 'stale' };
    const current = await repo.findRevision(post.current_revision_id);
    if (!current) return { ok: false, refused: 'notFound' };

    const contentChanged =
      current.title !== draft.title ||
      current.summary !== draft.summary ||
      current.body_md !== draft.bodyMd ||
      current.tags !== JSON.stringify(draft.tags) ||
      current.series !== draft.series ||
      current.report_topic !== draft.reportTopic ||
      current.cover_media_id !== draft.coverMediaId ||
      current.video_media_id !== draft.videoMediaId;
    const addressChanged = post.slug !== draft.slug || post.lang !== draft.lang || post.kind !== draft.kind;
    const scheduleChanged = post.publish_at !== draft.publishAt;
    const group = draft.translationGroup ?? (await this.unlinkedGroup(post));
    const placementChanged = post.pinned !== (draft.pinned ? 1 : 0) || post.translation_group !== group;
    if (!contentChanged && !addressChanged && !scheduleChanged && !placementChanged)
      return { ok: true, revision: null, reviewReset: false, changed: false };
    const resetReview = (contentChanged || addressChanged || scheduleChanged) && post.review_state !== 'none';

    const t = now();
    const author = actor.id ?? 'system';
    let outcome: Outcome<{ revision: number | null; reviewReset: boolean; changed: boolean }>;
    try {
      outcome = await repo.db.transaction().execute(async (trx) => {
        if (addressChanged) {
          const clash = await repo.findPostBySlug(draft.lang, draft.slug, trx);
          if (clash && clash.id !== post.id) return { ok: false, problems: { slug: 'slugTaken' } } as const;
        }
        const n = contentChanged ? (await repo.lastRevisionNumber(trx, post.id)) + 1 : null;
        const revisionId = n === null ? post.current_revision_id : crypto.randomUUID();
        const set: Partial<PostRow> = {
          current_revision_id: revisionId,
          slug: draft.slug,
          lang: draft.lang,
          kind: draft.kind,
          publish_at: draft.publishAt,
          pinned: draft.pinned ? 1 : 0,
          translation_group: group,
        };
        if (resetReview) Object.assign(set, { review_state: 'none', submitted_by: null, submitted_at: null });
        if (!(await repo.updatePost(trx, post.id, version, set, t)))
          return { ok: false, refused: 'stale' } as const;
        if (n !== null) await repo.insertRevision(trx, revisionRow(revisionId, post.id, n, draft, author, t));
        await audit.record(
          {
            actor,
            action: 'post.saved',
            targetType: 'post',
            targetId: post.id,
            details: {
              revision: n,
              reviewReset: resetReview,
              ...(resetReview && post.review_state === 'approved' ? { scheduleCancelled: true } : {}),
              ...(post.pinned !== (draft.pinned ? 1 : 0) ? { pinned: draft.pinned } : {}),
              ...(post.translation_group !== group ? { translationGroup: group } : {}),
            },
          },
          trx,
        );
        return { ok: true, revision: n, reviewReset: resetReview, changed: true } as const;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return { ok: false, problems: { slug: 'slugTaken' } };
      throw err;
    }
    if (outcome.ok && placementChanged && post.status === 'published')
      await this.d.events.emit('content.changed', { kind: post.kind, key: post.id });
    return outcome;
  }

  /** The group a post keeps when the editor links it to no translation. */
  private async unlinkedGroup(post: PostRow): Promise<string> {
    const members = await this.d.repo.groupMembers(post.translation_group);
    return members.some((m) => m.id !== post.id && m.lang !== post.lang) ? post.id : post.translation_group;
  }

  async submit(actor: Actor, id: string, version: number): Promise<Outcome> {
    const { repo, audit, now } = this.d;
    const post = await repo.findPost(id);
    if (!post) return { ok: false, refused: 'notFound' };
    if (post.version !== version) return { ok: false, refused: 'stale' };
    if (post.review_state !== 'none' && post.review_state !== 'changes_requested')
      return { ok: false, refused: 'wrongState' };
    if (post.status === 'published' && post.current_revision_id === post.published_revision_id)
      return { ok: false, refused: 'nothingToPublish' };
    const t = now();
    return repo.db.transaction().execute(async (trx): Promise<Outcome> => {
      const ok = await repo.updatePost(
        trx,
        post.id,
        version,
        {
          review_state: 'in_review',
          submitted_by: actor.id,
          submitted_at: t,
          reviewed_by: null,
          reviewed_at: null,
          review_note: null,
        },
        t,
      );
      if (!ok) return { ok: false, refused: 'stale' };
      const rev = await repo.findRevision(post.current_revision_id, trx);
      await audit.record(
        {
          actor,
          action: 'post.submitted',
          targetType: 'post',
          targetId: post.id,
          details: { revision: rev?.n ?? null },
        },
        trx,
      );
      return { ok: true };
    });
  }

  /** Whether this person wrote or submitted what is under review (and so may not approve it). */
  private async isOwnWork(exec: Exec, post: PostRow, staffId: string | null): Promise<boolean> {
    if (staffId === null) return false;
    if (post.submitted_by === staffId) return true;
    const published = post.published_revision_id
      ? await this.d.repo.findRevision(post.published_revision_id, exec)
      : undefined;
    const authors = await this.d.repo.authorsSince(exec, post.id, published?.n ?? 0);
    return authors.includes(staffId);
  }

  /**
   * A reviewer approves the revision under review: it goes live now, or at the post's publication
   * time if that is still ahead. Nobody approves a post they submitted or wrote part of.
   */
  async approve(
    actor: Actor,
    id: string,
    version: number,
    note: string,
  ): Promise<Outcome<{ published: boolean; publishAt: number | null }>> {
    const { repo, audit, now } = this.d;
    const text = note.trim();
    if (text.length > LIMITS.note) return { ok: false, problems: { note: 'tooLong' } };
    const post = await repo.findPost(id);
    if (!post) return { ok: false, refused: 'notFound' };
    if (post.version !== version) return { ok: false, refused: 'stale' };
    if (post.review_state !== 'in_review') return { ok: false, refused: 'wrongState' };
    if (await this.isOwnWork(repo.db, post, actor.id)) {
      await audit.record({
        actor,
        action: 'post.approval-refused',
        targetType: 'post',
        targetId: post.id,
        details: { reason: 'own-post' },
      });
      return { ok: false, refused: 'ownPost' };
    }
    const t = now();
    const review = { reviewed_by: actor.id, reviewed_at: t, review_note: text || null };
    const rev = await repo.findRevision(post.current_revision_id);
    if (!rev) return { ok: false, refused: 'notFound' };
    const scheduled = post.publish_at !== null && post.publish_at > t;
    const result = await repo.db.transaction().execute(async (trx) => {
      const set: Partial<PostRow> = { ...review, review_state: scheduled ? 'approved' : 'in_review' };
      if (!(await repo.updatePost(trx, post.id, version, set, t))) return undefined;
      await audit.record(
        {
          actor,
          action: 'post.approved',
          targetType: 'post',
          targetId: post.id,
          details: { revision: rev.n, ...(scheduled ? { scheduledFor: post.publish_at } : {}) },
        },
        trx,
      );
      if (scheduled) return { firstTime: false };
      const published = await this.applyPublication(
        trx,
        { ...post, ...set, version: version + 1 },
        rev,
        {},
        actor,
        t,
      );
      if (!published) throw new Error('the post changed inside its own transaction');
      return published;
    });
    if (!result) return { ok: false, refused: 'stale' };
    if (!scheduled) await this.afterPublication(post.id, result.firstTime);
    return { ok: true, published: !scheduled, publishAt: scheduled ? post.publish_at : null };
  }

  async requestChanges(actor: Actor, id: string, version: number, note: string): Promise<Outcome> {
    const { repo, audit, now } = this.d;
    const text = note.trim();
    if (text === '') return { ok: false, problems: { note: 'required' } };
    if (text.length > LIMITS.note) return { ok: false, problems: { note: 'tooLong' } };
    const post = await repo.findPost(id);
    if (!post) return { ok: false, refused: 'notFound' };
    if (post.version !== version) return { ok: false, refused: 'stale' };
    if (post.review_state !== 'in_review' && post.review_state !== 'approved')
      return { ok: false, refused: 'wrongState' };
    const t = now();
    return repo.db.transaction().execute(async (trx): Promise<Outcome> => {
      const ok = await repo.updatePost(
        trx,
        post.id,
        version,
        { review_state: 'changes_requested', reviewed_by: actor.id, reviewed_at: t, review_note: text },
        t,
      );
      if (!ok) return { ok: false, refused: 'stale' };
      await audit.record(
        {
          actor,
          action: 'post.changes-requested',
          targetType: 'post',
          targetId: post.id,
          details: {
            note: text.slice(0, 500),
            ...(post.review_state === 'approved' ? { scheduleCancelled: true } : {}),
          },
        },
        trx,
      );
      return { ok: true };
    });
  }

  async unpublish(actor: Actor, id: string, version: number): Promise<Outcome> {
    const { repo, audit, now, events, search } = this.d;
    const post = await repo.findPost(id);
    if (!post) return { ok: false, refused: 'notFound' };
    if (post.version !== version) return { ok: false, refused: 'stale' };
    if (post.status !== 'published') return { ok: false, refused: 'wrongState' };
    const t = now();
    const ok = await repo.db.transaction().execute(async (trx) => {
      if (!(await repo.updatePost(trx, post.id, version, { status: 'unpublished' }, t))) return false;
      await repo.replaceTags(trx, post.id, []);
      await audit.record(
        {
          actor,
          action: 'post.unpublished',
          targetType: 'post',
          targetId: post.id,
          details: { slug: post.slug },
        },
        trx,
      );
      return true;
    });
    if (!ok) return { ok: false, refused: 'stale' };
    await this.safely(() => search.remove(`post:${post.id}`), post.id);
    await events.emit('post.unpublished', { id: post.id, lang: post.lang });
    await events.emit('content.changed', { kind: post.kind, key: post.id });
    return { ok: true };
  }

  /** The scheduled job: publishes approved posts whose time has come. Returns how many went live. */
  async publishDue(): Promise<number> {
    const { repo, now } = this.d;
    let count = 0;
    for (const { id } of await repo.dueForPublication(now())) {
      const post = await repo.findPost(id);
      if (post?.review_state !== 'approved' || post.publish_at === null || post.publish_at > now()) continue;
      const rev = await repo.findRevision(post.current_revision_id);
      if (!rev) continue;
      const actor: Actor = { id: null, label: 'scheduler' };
      const result = await repo.db
        .transaction()
        .execute((trx) => this.applyPublication(trx, post, rev, {}, actor, now(), post.reviewed_by));
      if (result) {
        count++;
        await this.afterPublication(post.id, result.firstTime);
      }
    }
    return count;
  }

  /** Makes a revision the live version, inside the caller's transaction. Undefined if the post changed meanwhile. */
  private async applyPublication(
    trx: Transaction<Database>,
    post: PostRow,
    rev: RevisionRow,
    extra: Partial<PostRow>,
    actor: Actor,
    t: number,
    approvedBy?: string | null,
    firstPublishedAt?: number,
  ): Promise<{ firstTime: boolean } | undefined> {
    const { repo, audit } = this.d;
    const firstTime = post.first_published_at === null;
    const ok = await repo.updatePost(
      trx,
      post.id,
      post.version,
      {
        ...extra,
        status: 'published',
        published_revision_id: rev.id,
        review_state: 'none',
        publish_at: null,
        first_published_at: post.first_published_at ?? firstPublishedAt ?? t,
        published_at: firstPublishedAt !== undefined && firstTime ? firstPublishedAt : t,
        pub_title: rev.title,
        pub_summary: rev.summary,
        pub_html: renderMarkdown(rev.body_md),
        pub_cover_media_id: rev.cover_media_id,
        pub_video_media_id: rev.video_media_id,
        pub_series: rev.series,
        pub_report_topic: rev.report_topic,
      },
      t,
    );
    if (!ok) return undefined;
    await repo.replaceTags(trx, post.id, parseTagsJson(rev.tags));
    await audit.record(
      {
        actor,
        action: 'post.published',
        targetType: 'post',
        targetId: post.id,
        details: {
          revision: rev.n,
          lang: post.lang,
          slug: post.slug,
          firstTime,
          ...(approvedBy ? { approvedBy } : {}),
        },
      },
      trx,
    );
    return { firstTime };
  }

  /** After a publication commits: the search index, then the events (caches, feeds, subscribers). */
  private async afterPublication(id: string, firstTime: boolean): Promise<void> {
    const post = await this.d.repo.findPost(id);
    if (post?.status !== 'published') return;
    await this.safely(() => this.indexLive(post), post.id);
    await this.d.events.emit('post.published', { id: post.id, lang: post.lang, kind: post.kind, firstTime });
    await this.d.events.emit('content.changed', { kind: post.kind, key: post.id });
  }

  private async indexLive(post: PostRow): Promise<void> {
    const tags = (await this.d.repo.tagsOf([post.id])).get(post.id) ?? [];
    await this.d.search.index({
      key: `post:${post.id}`,
      kind: post.kind,
      lang: post.lang,
      title: post.pub_title ?? '',
      text: [post.pub_summary ?? '', htmlToText(post.pub_html ?? ''), tags.join(' ')]
        .filter(Boolean)
        .join('\n'),
      url: pathOf(post.kind, post.slug),
      updatedAt: post.published_at ?? this.d.now(),
    });
  }

  /** The job that retries a search update that failed right after a change. */
  async reindex(id: string): Promise<void> {
    const post = await this.d.repo.findPost(id);
    if (post?.status === 'published') await this.indexLive(post);
    else await this.d.search.remove(`post:${id}`);
  }

  /** Search is derived data: if updating it fails, the change stands and a job retries the update. */
  private async safely(fn: () => Promise<void>, id: string): Promise<void> {
    try {
      await fn();
    } catch {
      await this.d.jobs.enqueue(REINDEX_JOB, { id }, { runAt: this.d.now() + 30_000 }).catch(() => undefined);
    }
  }

  // ---- seeding -------------------------------------------------------------------------------

  /**
   * Creates a post with one revision and publishes it at once: for the content pack, which is
   * trusted. Idempotent by (lang, slug): a post that exists is left as it is.
   */
  async createPublished(
    input: SeedPostInput,
    actor: Actor = SYSTEM_ACTOR,
  ): Promise<{ id: string; created: boolean }> {
    const { repo, now } = this.d;
    if (!isLang(input.lang)) throw new Error(`seed post ${input.slug}: unknown language`);
    if (input.kind !== 'post' && input.kind !== 'page')
      throw new Error(`seed post ${input.slug}: unknown kind`);
    if (!SLUG_PATTERN.test(input.slug) || input.slug.length > MAX_SLUG)
      throw new Error(
        `seed post ${input.slug}: the slug must be lower-case letters and digits joined by dashes`,
      );
    if (input.title.trim() === '' || input.title.length > LIMITS.title)
      throw new Error(`seed post ${input.slug}: a title of 1 to ${LIMITS.title} characters is required`);
    if (input.bodyMd.length > LIMITS.bodyMd) throw new Error(`seed post ${input.slug}: the body is too long`);
    if (input.reportTopic !== undefined && !TOPIC_PATTERN.test(input.reportTopic))
      throw new Error(`seed post ${input.slug}: bad report topic`);
    const existing = await repo.findPostBySlug(input.lang, input.slug);
    if (existing) return { id: existing.id, created: false };

    const id = crypto.randomUUID();
    const revisionId = crypto.randomUUID();
    const t = now();
    const author = actor.id ?? 'system';
    const tags = [...new Set(input.tags.map((tag) => slugify(tag, 40)).filter(Boolean))].slice(0, MAX_TAGS);
    const draft: ParsedDraft = {
      title: input.title.trim(),
      summary: input.summary.trim(),
      bodyMd: input.bodyMd,
      slug: input.slug,
      lang: input.lang,
      kind: input.kind,
      translationGroup: input.translationGroup,
      tags,
      series: input.series ? slugify(input.series, LIMITS.series) || null : null,
      reportTopic: input.reportTopic ?? null,
      coverMediaId: input.coverMediaId ?? null,
      videoMediaId: input.videoMediaId ?? null,
      pinned: input.pinned ?? false,
      publishAt: null,
    };
    const post: PostRow = {
      id,
      kind: draft.kind,
      lang: draft.lang,
      slug: draft.slug,
      translation_group: input.translationGroup || id,
      status: 'draft',
      current_revision_id: revisionId,
      published_revision_id: null,
      review_state: 'none',
      submitted_by: null,
      submitted_at: null,
      reviewed_by: null,
      reviewed_at: null,
      review_note: null,
      publish_at: null,
      first_published_at: null,
      published_at: null,
      pinned: draft.pinned ? 1 : 0,
      pub_title: null,
      pub_summary: null,
      pub_html: null,
      pub_cover_media_id: null,
      pub_video_media_id: null,
      pub_series: null,
      pub_report_topic: null,
      created_by: author,
      created_at: t,
      updated_at: t,
      version: 1,
    };
    const rev = revisionRow(revisionId, id, 1, draft, author, t);
    try {
      await repo.db.transaction().execute(async (trx) => {
        await repo.insertPost(trx, post);
        await repo.insertRevision(trx, rev);
        await this.d.audit.record(
          {
            actor,
            action: 'post.created',
            targetType: 'post',
            targetId: id,
            details: { lang: post.lang, kind: post.kind, slug: post.slug, revision: 1, seeded: true },
          },
          trx,
        );
        const done = await this.applyPublication(trx, post, rev, {}, actor, t, null, input.publishedAt);
        if (!done) throw new Error('seed post changed while it was being created');
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        const raced = await repo.findPostBySlug(input.lang, input.slug);
        if (raced) return { id: raced.id, created: false };
      }
      throw err;
    }
    await this.afterPublication(id, true);
    return { id, created: true };
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The latest live posts (or pages), newest first: for feeds and other readers. */
  async latestPublished(opts: {
    lang?: Lang;
    tag?: string;
    limit: number;
    kind?: PostKind;
  }): Promise<PublishedItem[]> {
    const limit = Math.max(1, Math.min(500, Math.floor(opts.limit) || 1));
    const rows = await this.d.repo.listLive({
      lang: opts.lang,
      tag: opts.tag,
      kind: opts.kind ?? 'post',
      limit,
    });
    const tags = await this.d.repo.tagsOf(rows.map((r) => r.id));
    return rows.map((r) => {
      const path = pathOf(r.kind, r.slug);
      return {
        id: r.id,
        kind: r.kind,
        lang: r.lang,
        slug: r.slug,
        title: r.pub_title ?? '',
        summary: r.pub_summary ?? '',
        html: r.pub_html ?? '',
        url: `${this.d.publicUrl}${path}`,
        path,
        tags: tags.get(r.id) ?? [],
        publishedAt: r.first_published_at ?? 0,
        updatedAt: r.published_at ?? r.first_published_at ?? 0,
        coverMediaId: r.pub_cover_media_id,
      };
    });
  }

  /** One page of a public list, with tags and cover images. */
  async liveList(q: {
    lang?: Lang;
    kind?: PostKind;
    tag?: string;
    series?: string;
    page: number;
    perPage: number;
  }): Promise<{ items: ListedPost[]; total: number }> {
    const filter = { lang: q.lang, kind: q.kind, tag: q.tag, series: q.series };
    const [rows, total] = await Promise.all([
      this.d.repo.listLive({ ...filter, limit: q.perPage, offset: (q.page - 1) * q.perPage }),
      this.d.repo.countLive(filter),
    ]);
    return { items: await this.listed(rows), total };
  }

  private async listed(rows: LiveRow[]): Promise<ListedPost[]> {
    const tags = await this.d.repo.tagsOf(rows.map((r) => r.id));
    const covers = await this.mediaMap(rows.map((r) => r.pub_cover_media_id));
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      lang: r.lang,
      path: pathOf(r.kind, r.slug),
      title: r.pub_title ?? '',
      summary: r.pub_summary ?? '',
      tags: tags.get(r.id) ?? [],
      publishedAt: r.first_published_at,
      cover: r.pub_cover_media_id ? covers.get(r.pub_cover_media_id) : undefined,
    }));
  }

  private async mediaMap(ids: (string | null)[]): Promise<Map<string, MediaItem>> {
    const rows = await this.d.repo.mediaByIds(ids.filter((x): x is string => x !== null));
    return new Map(rows.map((r) => [r.id, mediaItemOf(r)]));
  }

  private async videoBundle(videoId: string | null): Promise<VideoBundle | undefined> {
    if (!videoId) return undefined;
    const [row] = await this.d.repo.mediaByIds([videoId]);
    if (row?.kind !== 'video') return undefined;
    const children = (await this.d.repo.mediaChildren(videoId)).map(mediaItemOf);
    return {
      video: mediaItemOf(row),
      poster: children.find((c) => c.kind === 'image'),
      captions: children.filter((c) => c.kind === 'captions'),
    };
  }

  /** The live post (or page) at a slug, preferring the reader's language when both have one. */
  async livePost(slug: string, kind: PostKind, prefer: Lang): Promise<PostView | undefined> {
    const rows = await this.d.repo.findLive(slug, kind);
    const row = rows.find((r) => r.lang === prefer) ?? rows[0];
    if (!row) return undefined;
    const tags = (await this.d.repo.tagsOf([row.id])).get(row.id) ?? [];
    const covers = await this.mediaMap([row.pub_cover_media_id]);
    const translations = (await this.d.repo.groupMembers(row.translation_group))
      .filter((m) => m.id !== row.id && m.status === 'published')
      .map((m) => ({ lang: m.lang, path: pathOf(m.kind, m.slug), title: m.pub_title ?? '' }));
    let seriesPosts: PostView['seriesPosts'] = [];
    if (row.pub_series) {
      const siblings = await this.d.repo.listLive({ lang: row.lang, series: row.pub_series, limit: 50 });
      seriesPosts = siblings
        .reverse()
        .map((s) => ({ path: pathOf(s.kind, s.slug), title: s.pub_title ?? '', current: s.id === row.id }));
    }
    return {
      id: row.id,
      kind: row.kind,
      lang: row.lang,
      slug: row.slug,
      path: pathOf(row.kind, row.slug),
      title: row.pub_title ?? '',
      summary: row.pub_summary ?? '',
      html: row.pub_html ?? '',
      tags,
      series: row.pub_series,
      reportTopic: row.pub_report_topic,
      cover: row.pub_cover_media_id ? covers.get(row.pub_cover_media_id) : undefined,
      video: await this.videoBundle(row.pub_video_media_id),
      publishedAt: row.first_published_at,
      updatedAt: row.published_at,
      translations,
      seriesPosts: seriesPosts.length > 1 ? seriesPosts : [],
    };
  }

  /** A revision (the current one by default) shown as its post page would show it. */
  async preview(
    id: string,
    n?: number,
  ): Promise<{ post: PostRow; revision: RevisionRow; view: PostView } | undefined> {
    const { repo } = this.d;
    const post = await repo.findPost(id);
    if (!post) return undefined;
    const revision =
      n === undefined
        ? await repo.findRevision(post.current_revision_id)
        : await repo.revisionByNumber(id, n);
    if (!revision) return undefined;
    const covers = await this.mediaMap([revision.cover_media_id]);
    return {
      post,
      revision,
      view: {
        id: post.id,
        kind: post.kind,
        lang: post.lang,
        slug: post.slug,
        path: pathOf(post.kind, post.slug),
        title: revision.title,
        summary: revision.summary,
        html: renderMarkdown(revision.body_md),
        tags: parseTagsJson(revision.tags),
        series: revision.series,
        reportTopic: revision.report_topic,
        cover: revision.cover_media_id ? covers.get(revision.cover_media_id) : undefined,
        video: await this.videoBundle(revision.video_media_id),
        publishedAt: post.first_published_at ?? post.publish_at,
        updatedAt: revision.created_at,
        translations: [],
        seriesPosts: [],
      },
    };
  }

  /** The home page's content: the banner, the pinned post and the latest posts. */
  async homeData(
    lang: Lang,
  ): Promise<{ banner: Banner; pinned: ListedPost | undefined; latest: ListedPost[] }> {
    const pinnedRow = await this.d.repo.pinned(lang);
    const latestRows = await this.d.repo.listLive({ lang, kind: 'post', limit: 7 });
    const [pinned] = pinnedRow ? await this.listed([pinnedRow]) : [];
    const latest = (await this.listed(latestRows)).filter((p) => p.id !== pinned?.id).slice(0, 6);
    return { banner: await this.banner(), pinned, latest };
  }

  // ---- the campaign banner -------------------------------------------------------------------

  async banner(): Promise<Banner> {
    const raw = await this.d.repo.readSetting(BANNER_KEY);
    if (!raw) return EMPTY_BANNER;
    try {
      const v = JSON.parse(raw) as Partial<Banner>;
      return {
        en: typeof v.en === 'string' ? v.en : '',
        'zh-CN': typeof v['zh-CN'] === 'string' ? v['zh-CN'] : '',
        link: typeof v.link === 'string' && isBannerLink(v.link) ? v.link : '',
        active: v.active === true,
      };
    } catch {
      return EMPTY_BANNER;
    }
  }

  async setBanner(
    actor: Actor,
    input: { en: string; zh: string; link: string; active: boolean },
  ): Promise<Outcome> {
    const problems: Record<string, ContentProblem> = {};
    const next: Banner = {
      en: input.en.trim(),
      'zh-CN': input.zh.trim(),
      link: input.link.trim(),
      active: input.active,
    };
    if (next.en.length > LIMITS.bannerText) problems.en = 'tooLong';
    if (next['zh-CN'].length > LIMITS.bannerText) problems.zh = 'tooLong';
    if (next.active && next.en === '') problems.en = 'required';
    if (next.active && next['zh-CN'] === '') problems.zh = 'required';
    if (next.link.length > LIMITS.bannerLink) problems.link = 'tooLong';
    else if (next.link !== '' && !isBannerLink(next.link)) problems.link = 'badLink';
    if (Object.keys(problems).length > 0) return { ok: false, problems };
    const before = await this.banner();
    const t = this.d.now();
    await this.d.repo.db.transaction().execute(async (trx) => {
      await this.d.repo.writeSetting(trx, BANNER_KEY, JSON.stringify(next), t);
      await this.d.audit.record(
        {
          actor,
          action: 'banner.changed',
          targetType: 'settings',
          targetId: BANNER_KEY,
          details: { from: before, to: next },
        },
        trx,
      );
    });
    await this.d.events.emit('content.changed', { kind: 'settings', key: BANNER_KEY });
    return { ok: true };
  }
}

/** A banner links to a page of this site or to an http(s) address. */
export function isBannerLink(link: string): boolean {
  return (link.startsWith('/') || /^https?:\/\//i.test(link)) && isSafeHref(link) && !/[\s"'<>\\]/.test(link);
}

function revisionRow(
  id: string,
  postId: string,
  n: number,
  d: ParsedDraft,
  author: string,
  t: number,
): RevisionRow {
  return {
    id,
    post_id: postId,
    n,
    title: d.title,
    summary: d.summary,
    body_md: d.bodyMd,
    cover_media_id: d.coverMediaId,
    video_media_id: d.videoMediaId,
    tags: JSON.stringify(d.tags),
    series: d.series,
    report_topic: d.reportTopic,
    created_by: author,
    created_at: t,
  };
}
