/**
 * The law explainer: laws as chapters and articles, each article with its text and a plain-language
 * note in both languages. Public pages read an in-memory snapshot (a few dozen rows), so a cached
 * page costs no query; a change drops the snapshot, re-indexes search and announces
 * `content.changed` (kind 'law'), which clears the page cache.
 */
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import type { LawArticlesTable, LawsTable } from '../../platform/db/schema.ts';
import { fill, LANGS, type Lang } from '../../platform/views/i18n/index.ts';
import { lawMessages, ordinal } from './messages.ts';

export type Bilingual = Record<Lang, string>;

export interface Law {
  slug: string;
  title: Bilingual;
  /** What this text is (for a model text: that it is configuration, not law in force). */
  summary: Bilingual;
  position: number;
  updatedAt: number;
}

export interface LawArticle {
  lawSlug: string;
  slug: string;
  chapterNo: number;
  chapterTitle: Bilingual;
  articleNo: number;
  title: Bilingual;
  text: Bilingual;
  note: Bilingual;
  topics: string[];
  updatedAt: number;
}

export interface LawEntry {
  law: Law;
  /** In reading order: by chapter, then article number. */
  articles: LawArticle[];
  bySlug: Map<string, number>;
}

export interface LawSnapshot {
  laws: LawEntry[];
  bySlug: Map<string, LawEntry>;
}

/** Slugs of laws and articles: what a URL segment may hold. */
export const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$';
const SLUG_RE = new RegExp(SLUG_PATTERN);
export function isSlug(value: string): boolean {
  return SLUG_RE.test(value);
}

export interface LawInput {
  slug: string;
  title: Bilingual;
  summary: Bilingual;
  position: number;
}

export interface ArticleInput {
  slug: string;
  chapterNo: number;
  chapterTitle: Bilingual;
  articleNo: number;
  title: Bilingual;
  text: Bilingual;
  note: Bilingual;
  topics: string[];
}

export interface ArticleEdit {
  title: Bilingual;
  text: Bilingual;
  note: Bilingual;
}

export const ARTICLE_LIMITS = { title: 120, text: 6000, note: 4000 } as const;

export type UpdateResult = { ok: true; article: LawArticle } | { ok: false; reason: 'not-found' | 'stale' };

const ARTICLE_COLUMNS = [
  'law_slug',
  'slug',
  'chapter_no',
  'chapter_title_en',
  'chapter_title_zh',
  'article_no',
  'title_en',
  'title_zh',
  'text_en',
  'text_zh',
  'note_en',
  'note_zh',
  'topics',
  'updated_at',
] as const;

function lawOf(row: LawsTable): Law {
  return {
    slug: row.slug,
    title: { en: row.title_en, 'zh-CN': row.title_zh },
    summary: { en: row.summary_en, 'zh-CN': row.summary_zh },
    position: row.position,
    updatedAt: row.updated_at,
  };
}

function articleOf(row: LawArticlesTable): LawArticle {
  let topics: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.topics);
    if (Array.isArray(parsed)) topics = parsed.filter((t): t is string => typeof t === 'string');
  } catch {
    topics = [];
  }
  return {
    lawSlug: row.law_slug,
    slug: row.slug,
    chapterNo: row.chapter_no,
    chapterTitle: { en: row.chapter_title_en, 'zh-CN': row.chapter_title_zh },
    articleNo: row.article_no,
    title: { en: row.title_en, 'zh-CN': row.title_zh },
    text: { en: row.text_en, 'zh-CN': row.text_zh },
    note: { en: row.note_en, 'zh-CN': row.note_zh },
    topics,
    updatedAt: row.updated_at,
  };
}

/** "Article 5: Ways to report" / "第五条 举报渠道". */
export function articleHeading(lang: Lang, a: Pick<LawArticle, 'articleNo' | 'title'>): string {
  const number = fill(lawMessages(lang).article, { n: ordinal(lang, a.articleNo) });
  const title = a.title[lang];
  if (!title) return number;
  return lang === 'zh-CN' ? `${number} ${title}` : `${number}: ${title}`;
}

export function articleUrl(a: Pick<LawArticle, 'lawSlug' | 'slug'>): string {
  return `/law/${a.lawSlug}/${a.slug}`;
}

export class LawService {
  private snapshotPromise: Promise<LawSnapshot> | undefined;

  constructor(private readonly ctx: AppContext) {}

  /** Forget the in-memory copy (after a change here or an announced change). */
  invalidate(): void {
    this.snapshotPromise = undefined;
  }

  snapshot(): Promise<LawSnapshot> {
    if (!this.snapshotPromise) {
      const loading = this.load();
      this.snapshotPromise = loading;
      loading.catch(() => {
        if (this.snapshotPromise === loading) this.snapshotPromise = undefined;
      });
    }
    return this.snapshotPromise;
  }

  private async load(): Promise<LawSnapshot> {
    const [lawRows, articleRows] = await Promise.all([
      this.ctx.db.selectFrom('laws').selectAll().orderBy('position').orderBy('slug').execute(),
      this.ctx.db
        .selectFrom('law_articles')
        .select(ARTICLE_COLUMNS)
        .orderBy('law_slug')
        .orderBy('chapter_no')
        .orderBy('article_no')
        .orderBy('slug')
        .execute(),
    ]);
    const laws: LawEntry[] = lawRows.map((row) => ({ law: lawOf(row), articles: [], bySlug: new Map() }));
    const bySlug = new Map(laws.map((e) => [e.law.slug, e]));
    for (const row of articleRows) {
      const entry = bySlug.get(row.law_slug);
      if (!entry) continue;
      entry.bySlug.set(row.slug, entry.articles.length);
      entry.articles.push(articleOf(row));
    }
    return { laws, bySlug };
  }

  async find(lawSlug: string, articleSlug: string): Promise<{ entry: LawEntry; index: number } | undefined> {
    const entry = (await this.snapshot()).bySlug.get(lawSlug);
    const index = entry?.bySlug.get(articleSlug);
    return entry && index !== undefined ? { entry, index } : undefined;
  }

  /**
   * Adds a law and those of its articles that are not there yet (seeding a content pack). Existing
   * rows are left as they are: an editor's changes survive a second seed. Returns what was created.
   */
  async importLaw(law: LawInput, articles: ArticleInput[]): Promise<{ law: boolean; articles: number }> {
    const now = this.ctx.now();
    let createdLaw = false;
    let createdArticles = 0;
    await this.ctx.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('laws')
        .values({
          slug: law.slug,
          title_en: law.title.en,
          title_zh: law.title['zh-CN'],
          summary_en: law.summary.en,
          summary_zh: law.summary['zh-CN'],
          position: law.position,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('slug').doNothing())
        .executeTakeFirst();
      createdLaw = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
      for (const a of articles) {
        const r = await trx
          .insertInto('law_articles')
          .values({
            law_slug: law.slug,
            slug: a.slug,
            chapter_no: a.chapterNo,
            chapter_title_en: a.chapterTitle.en,
            chapter_title_zh: a.chapterTitle['zh-CN'],
            article_no: a.articleNo,
            title_en: a.title.en,
            title_zh: a.title['zh-CN'],
            text_en: a.text.en,
            text_zh: a.text['zh-CN'],
            note_en: a.note.en,
            note_zh: a.note['zh-CN'],
            topics: JSON.stringify(a.topics),
            updated_at: now,
          })
          .onConflict((oc) => oc.columns(['law_slug', 'slug']).doNothing())
          .executeTakeFirst();
        if (Number(r.numInsertedOrUpdatedRows ?? 0) > 0) createdArticles++;
      }
    });
    this.invalidate();
    if (createdLaw || createdArticles > 0) {
      await this.reindex(law.slug);
      await this.ctx.events.emit('content.changed', { kind: 'law', key: law.slug });
    }
    return { law: createdLaw, articles: createdArticles };
  }

  /** Edits an article's heading, text and note; `expectedUpdatedAt` guards against overwriting a colleague. */
  async updateArticle(
    actor: Actor,
    lawSlug: string,
    articleSlug: string,
    edit: ArticleEdit,
    expectedUpdatedAt: number,
  ): Promise<UpdateResult> {
    const found = await this.loadArticle(lawSlug, articleSlug);
    if (!found) return { ok: false, reason: 'not-found' };
    if (found.updatedAt !== expectedUpdatedAt) return { ok: false, reason: 'stale' };
    // Strictly later than before, so a second save in the same millisecond is still told apart.
    const now = Math.max(this.ctx.now(), found.updatedAt + 1);
    const changed: string[] = [];
    for (const field of ['title', 'text', 'note'] as const)
      for (const lang of LANGS)
        if (found[field][lang] !== edit[field][lang]) changed.push(`${field}.${lang}`);
    const ok = await this.ctx.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('law_articles')
        .set({
          title_en: edit.title.en,
          title_zh: edit.title['zh-CN'],
          text_en: edit.text.en,
          text_zh: edit.text['zh-CN'],
          note_en: edit.note.en,
          note_zh: edit.note['zh-CN'],
          updated_at: now,
        })
        .where('law_slug', '=', lawSlug)
        .where('slug', '=', articleSlug)
        .where('updated_at', '=', expectedUpdatedAt)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await trx.updateTable('laws').set({ updated_at: now }).where('slug', '=', lawSlug).execute();
      await this.ctx.audit.record(
        {
          actor,
          action: 'law.article-updated',
          targetType: 'law_article',
          targetId: `${lawSlug}/${articleSlug}`,
          details: { changed },
        },
        trx,
      );
      return true;
    });
    if (!ok) return { ok: false, reason: 'stale' };
    this.invalidate();
    await this.reindex(lawSlug);
    await this.ctx.events.emit('content.changed', { kind: 'law', key: `${lawSlug}/${articleSlug}` });
    const article = await this.loadArticle(lawSlug, articleSlug);
    return { ok: true, article: article! };
  }

  async loadArticle(lawSlug: string, articleSlug: string): Promise<LawArticle | undefined> {
    const row = await this.ctx.db
      .selectFrom('law_articles')
      .select(ARTICLE_COLUMNS)
      .where('law_slug', '=', lawSlug)
      .where('slug', '=', articleSlug)
      .executeTakeFirst();
    return row ? articleOf(row) : undefined;
  }

  /** Puts every article of a law (or of every law) into the search index, in both languages. */
  async reindex(lawSlug?: string): Promise<number> {
    const snap = await this.snapshot();
    let n = 0;
    for (const entry of snap.laws) {
      if (lawSlug && entry.law.slug !== lawSlug) continue;
      for (const a of entry.articles) {
        for (const lang of LANGS) {
          await this.ctx.search.index({
            key: `law:${a.lawSlug}/${a.slug}:${lang}`,
            kind: 'law',
            lang,
            title: `${articleHeading(lang, a)} · ${entry.law.title[lang]}`,
            text: `${a.text[lang]}\n\n${a.note[lang]}`,
            url: articleUrl(a),
            updatedAt: a.updatedAt,
          });
          n++;
        }
      }
    }
    return n;
  }
}
