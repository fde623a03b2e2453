/**
 * Reads and validates a content pack from content-packs/<name>/: manifest.json (posts, pages,
 * media), law.json (a law as chapters and articles), guides.json, reporting.json (the reporting
 * channels and their questionnaires) and the Markdown bodies. Nothing here touches the database:
 * seed.ts in this folder writes what this returns.
 *
 * Markdown bodies may link to another post or page of the pack as `(@post:<slug>)` or
 * `(@page:<slug>)`; the seeder replaces these with the address the content module gives them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseDefinition, type QuestionnaireDefinition } from '../modules/reports/questionnaire.ts';

const LANG_KEYS = ['en', 'zh-CN'] as const;
export type PackLang = (typeof LANG_KEYS)[number];

const slug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/, 'lower-case letters, digits and dashes');
const topic = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case letters, digits and dashes');
const text = z.string().trim().min(1);
const bilingual = z.object({ en: text, 'zh-CN': text });
const relFile = z
  .string()
  .min(1)
  .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), 'a path inside the pack');

const postLangSchema = z.object({
  title: text.max(200),
  summary: z.string().max(500),
  tags: z.array(z.string().min(1).max(40)).max(12),
  series: z.string().min(1).max(80).optional(),
  body: relFile,
});

const postSchema = z.object({
  /** What kind of case the post is about (the pack's own vocabulary; tests check the set). */
  case: slug,
  kind: z.enum(['post', 'page']),
  translationGroup: slug,
  slug,
  reportTopic: topic.optional(),
  video: slug.optional(),
  pinned: z.boolean().optional(),
  /** Publication date, as days before the day of seeding (keeps the pack's order). */
  daysAgo: z.number().int().min(0).max(3650).default(0),
  en: postLangSchema,
  'zh-CN': postLangSchema,
});

const mediaSchema = z.object({
  key: slug,
  kind: z.literal('video'),
  files: z.array(z.object({ path: relFile, mime: z.enum(['video/webm', 'video/mp4']) })).min(1),
  poster: relFile.optional(),
  captions: z.object({ en: relFile, 'zh-CN': relFile }).partial().default({}),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  durationMs: z.number().int().positive().optional(),
  alt: z.object({ en: text.max(300), 'zh-CN': text.max(300) }),
});

const manifestSchema = z.object({
  name: slug,
  version: z.number().int().positive(),
  title: bilingual,
  law: relFile.optional(),
  guides: relFile.optional(),
  reporting: relFile.optional(),
  media: z.array(mediaSchema).default([]),
  posts: z.array(postSchema).default([]),
});

const articleSchema = z.object({
  no: z.number().int().positive(),
  slug: slug.optional(),
  topics: z.array(slug).max(10),
  title: bilingual,
  text: bilingual,
  note: bilingual,
});

const lawSchema = z.object({
  slug,
  position: z.number().int().default(1),
  title: bilingual,
  summary: bilingual,
  chapters: z
    .array(
      z.object({
        no: z.number().int().positive(),
        title: bilingual,
        articles: z.array(articleSchema).min(1),
      }),
    )
    .min(1),
});

const guideSchema = z.object({
  slug,
  audience: z.enum(['citizens', 'company-staff', 'researchers', 'travellers']),
  position: z.number().int().default(1),
  reportTopic: topic,
  title: bilingual,
  intro: bilingual,
  redFlags: z.object({ en: z.array(text).min(1).max(20), 'zh-CN': z.array(text).min(1).max(20) }),
  whatToDo: z.object({ en: z.array(text).min(1).max(20), 'zh-CN': z.array(text).min(1).max(20) }),
});

const optionalText = z.string().trim().max(1000);
const channelSchema = z
  .object({
    id: topic.max(40),
    position: z.number().int().min(-1000).max(1000).default(0),
    name: z.object({ en: text.max(120), 'zh-CN': text.max(120) }),
    description: z.object({ en: optionalText, 'zh-CN': optionalText }),
    ackDays: z.number().int().min(1).max(90).default(7),
    feedbackDays: z.number().int().min(1).max(365).default(90),
    maxPerMinute: z.number().int().min(1).max(100_000).default(600),
  })
  .strict();

const questionnaireSchema = z
  .object({
    id: topic.max(40),
    channel: topic.max(40),
    kind: z.enum(['report', 'self-disclosure', 'complaint']),
    position: z.number().int().min(-1000).max(1000).default(0),
    topics: z.array(topic.max(40)).max(30),
    definition: z.unknown(),
  })
  .strict();

const reportingSchema = z
  .object({
    channels: z.array(channelSchema).min(1),
    questionnaires: z.array(questionnaireSchema).min(1),
  })
  .strict();

export type Bilingual = Record<PackLang, string>;

export interface PackPostTranslation {
  lang: PackLang;
  title: string;
  summary: string;
  tags: string[];
  series: string | undefined;
  /** The Markdown as shipped (placeholders not yet resolved). */
  bodyMd: string;
}

export interface PackPost {
  case: string;
  kind: 'post' | 'page';
  translationGroup: string;
  slug: string;
  reportTopic: string | undefined;
  video: string | undefined;
  pinned: boolean;
  daysAgo: number;
  translations: PackPostTranslation[];
}

export interface PackVideo {
  key: string;
  /** Absolute paths with their types, preferred first. */
  files: { path: string; mime: 'video/webm' | 'video/mp4' }[];
  poster: string | undefined;
  captions: Partial<Record<PackLang, string>>;
  width: number | undefined;
  height: number | undefined;
  durationMs: number | undefined;
  alt: Bilingual;
}

export interface PackArticle {
  slug: string;
  chapterNo: number;
  chapterTitle: Bilingual;
  articleNo: number;
  title: Bilingual;
  text: Bilingual;
  note: Bilingual;
  topics: string[];
}

export interface PackLaw {
  slug: string;
  position: number;
  title: Bilingual;
  summary: Bilingual;
  articles: PackArticle[];
}

export type PackGuide = z.infer<typeof guideSchema>;

export type PackChannel = z.infer<typeof channelSchema>;

export interface PackQuestionnaire {
  id: string;
  channel: string;
  kind: 'report' | 'self-disclosure' | 'complaint';
  position: number;
  topics: string[];
  /** Checked by the reporting module's own rules (parseDefinition) when the pack is read. */
  definition: QuestionnaireDefinition;
}

export interface PackReporting {
  channels: PackChannel[];
  questionnaires: PackQuestionnaire[];
}

export interface ContentPack {
  name: string;
  version: number;
  dir: string;
  title: Bilingual;
  posts: PackPost[];
  videos: PackVideo[];
  law: PackLaw | undefined;
  guides: PackGuide[];
  reporting: PackReporting | undefined;
}

export class ContentPackError extends Error {}

export const DEFAULT_PACK = 'counter-espionage';

/**
 * Finds content-packs/<name> by walking up from this file: it sits in src/content-packs in the
 * sources and in dist/ once bundled, and the packs are at the project root either way.
 */
export function findPackDir(
  name = DEFAULT_PACK,
  from = path.dirname(fileURLToPath(import.meta.url)),
): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'content-packs', name);
    if (fs.existsSync(path.join(candidate, 'manifest.json'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new ContentPackError(
    `content pack "${name}" not found (looked for content-packs/${name}/manifest.json)`,
  );
}

function readJson(dir: string, file: string): unknown {
  const full = path.join(dir, file);
  try {
    return JSON.parse(fs.readFileSync(full, 'utf8'));
  } catch (err) {
    throw new ContentPackError(`${file}: ${(err as Error).message}`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new ContentPackError(
      `${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

function existingFile(dir: string, rel: string): string {
  const full = path.resolve(dir, rel);
  if (
    !full.startsWith(path.resolve(dir) + path.sep) ||
    !fs.statSync(full, { throwIfNoEntry: false })?.isFile()
  )
    throw new ContentPackError(`missing file in the pack: ${rel}`);
  return full;
}

function unique(values: string[], what: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw new ContentPackError(`duplicate ${what}: ${v}`);
    seen.add(v);
  }
}

/** Reads and checks a pack; throws ContentPackError saying what is wrong. */
export function readContentPack(dir: string = findPackDir()): ContentPack {
  const manifest = parse(manifestSchema, readJson(dir, 'manifest.json'), 'manifest.json');

  const videos: PackVideo[] = manifest.media.map((m) => ({
    key: m.key,
    files: m.files.map((f) => ({ path: existingFile(dir, f.path), mime: f.mime })),
    poster: m.poster ? existingFile(dir, m.poster) : undefined,
    captions: Object.fromEntries(
      Object.entries(m.captions).map(([lang, rel]) => [lang, existingFile(dir, rel as string)]),
    ) as Partial<Record<PackLang, string>>,
    width: m.width,
    height: m.height,
    durationMs: m.durationMs,
    alt: m.alt,
  }));
  unique(
    videos.map((v) => v.key),
    'media key',
  );

  const posts: PackPost[] = manifest.posts.map((p) => {
    if (p.video && !videos.some((v) => v.key === p.video))
      throw new ContentPackError(`post ${p.slug}: unknown video ${p.video}`);
    return {
      case: p.case,
      kind: p.kind,
      translationGroup: p.translationGroup,
      slug: p.slug,
      reportTopic: p.reportTopic,
      video: p.video,
      pinned: p.pinned ?? false,
      daysAgo: p.daysAgo,
      translations: LANG_KEYS.map((lang) => {
        const t = p[lang];
        const bodyMd = fs.readFileSync(existingFile(dir, t.body), 'utf8').trim();
        if (!bodyMd) throw new ContentPackError(`post ${p.slug} (${lang}): the body is empty`);
        return { lang, title: t.title, summary: t.summary, tags: t.tags, series: t.series, bodyMd };
      }),
    };
  });
  unique(
    posts.map((p) => `${p.kind}:${p.slug}`),
    'post slug',
  );
  unique(
    posts.map((p) => p.translationGroup),
    'translation group',
  );

  let law: PackLaw | undefined;
  if (manifest.law) {
    const l = parse(lawSchema, readJson(dir, manifest.law), manifest.law);
    const articles: PackArticle[] = l.chapters.flatMap((ch) =>
      ch.articles.map((a) => ({
        slug: a.slug ?? `article-${a.no}`,
        chapterNo: ch.no,
        chapterTitle: ch.title,
        articleNo: a.no,
        title: a.title,
        text: a.text,
        note: a.note,
        topics: a.topics,
      })),
    );
    unique(
      articles.map((a) => a.slug),
      'article slug',
    );
    law = { slug: l.slug, position: l.position, title: l.title, summary: l.summary, articles };
  }

  const guides = manifest.guides
    ? parse(z.array(guideSchema), readJson(dir, manifest.guides), manifest.guides)
    : [];
  unique(
    guides.map((g) => g.slug),
    'guide slug',
  );

  const reporting = manifest.reporting ? readReporting(dir, manifest.reporting) : undefined;

  return {
    name: manifest.name,
    version: manifest.version,
    dir,
    title: manifest.title,
    posts,
    videos,
    law,
    guides,
    reporting,
  };
}

/** Channels and questionnaires: every definition valid, every reference known, each topic used once. */
function readReporting(dir: string, file: string): PackReporting {
  const r = parse(reportingSchema, readJson(dir, file), file);
  unique(
    r.channels.map((c) => c.id),
    'channel id',
  );
  unique(
    r.questionnaires.map((q) => q.id),
    'questionnaire id',
  );
  unique(
    r.questionnaires.flatMap((q) => q.topics),
    'report topic',
  );
  const questionnaires = r.questionnaires.map((q): PackQuestionnaire => {
    if (!r.channels.some((c) => c.id === q.channel))
      throw new ContentPackError(`${file}: questionnaire ${q.id}: unknown channel ${q.channel}`);
    const parsed = parseDefinition(q.definition);
    if (!parsed.ok) throw new ContentPackError(`${file}: questionnaire ${q.id}: ${parsed.errors.join('; ')}`);
    return { ...q, definition: parsed.definition };
  });
  return { channels: r.channels, questionnaires };
}

/** Replaces `(@post:<slug>)` and `(@page:<slug>)` link targets with real addresses. */
export function resolvePackLinks(
  markdown: string,
  pathOf: (kind: 'post' | 'page', slug: string) => string,
): string {
  return markdown.replace(
    /\(@(post|page):([a-z0-9-]+)\)/g,
    (_m, kind: 'post' | 'page', s: string) => `(${pathOf(kind, s)})`,
  );
}
