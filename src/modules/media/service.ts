/**
 * MediaService: stores, describes, replaces and deletes images, videos, posters and captions, with
 * or without HTTP (the upload forms and the content-pack seeding both use it). Every method either
 * completes (files renamed into place, rows and audit entry committed together) or leaves nothing
 * behind: no row without its files, no file without its row, no temporary file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Actor, AuditLog } from '../../platform/audit/audit-log.ts';
import type { Db } from '../../platform/db/index.ts';
import type { EventBus } from '../../platform/events.ts';
import { ConcurrencyGate, GATE_FULL } from '../../platform/http/throttle.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';
import { type ImageProblem, type MediaVariant, processImage } from './images.ts';
import { type MediaItem, MediaRepository } from './repository.ts';
import { headOf, isImageMime, isVideoMime, sniff } from './sniff.ts';
import { MEDIA_ID, MediaStorage, VARIANT_NAME } from './storage.ts';
import { checkVideoFile } from './video.ts';
import { type VttIssue, validateWebVtt } from './webvtt.ts';

export type { MediaVariant } from './images.ts';
export type { MediaItem } from './repository.ts';

/** Image or video bytes: in memory, or in a file. With `move`, the service takes the file over and it is gone when the call returns. */
export type FileSource = Buffer | { path: string; move?: boolean };
/** Caption bytes, or the caption text itself. */
export type CaptionsSource = Buffer | string;

export const ALT_MAX = 300;

export type MediaField =
  | 'image'
  | 'video'
  | 'poster'
  | 'altEn'
  | 'altZh'
  | 'captionsEn'
  | 'captionsZh'
  | 'form';
export type MediaProblemCode =
  | 'required'
  | 'too-long'
  | 'wrong-type'
  | 'too-large'
  | 'corrupt'
  | 'too-many-pixels'
  | 'busy'
  | 'not-found'
  | 'in-use'
  | 'exists';

export type MediaProblem =
  | { field: MediaField; code: MediaProblemCode }
  | { field: 'captionsEn' | 'captionsZh'; code: 'captions'; issue: VttIssue; line: number };

export type MediaResult<T> = { ok: true; value: T } | { ok: false; problems: MediaProblem[] };

export interface VideoBundle {
  video: MediaItem;
  poster: MediaItem | undefined;
  /** At most one track per language. */
  captions: MediaItem[];
}

export interface MediaServiceDeps {
  db: Db;
  audit: AuditLog;
  events: EventBus;
  now: () => number;
  dataDir: string;
  maxImageBytes: number;
  maxVideoBytes: number;
}

export interface ResolvedFile {
  path: string;
  mime: string;
  bytes: number;
  createdAt: number;
}

const CAPTION_FIELD: Record<Lang, 'captionsEn' | 'captionsZh'> = { en: 'captionsEn', 'zh-CN': 'captionsZh' };
const CACHE_LIMIT = 2000;

function fail<T>(problems: MediaProblem[]): MediaResult<T> {
  return { ok: false, problems };
}

async function sizeOf(source: FileSource): Promise<number> {
  if (Buffer.isBuffer(source)) return source.length;
  return (await fs.promises.stat(source.path)).size;
}

function inputOf(source: FileSource): Buffer | string {
  return Buffer.isBuffer(source) ? source : source.path;
}

/** Removes files handed over with `move` that are still where they were. */
async function release(sources: (FileSource | undefined)[]): Promise<void> {
  for (const s of sources)
    if (s && !Buffer.isBuffer(s) && s.move) await fs.promises.rm(s.path, { force: true }).catch(() => {});
}

export class MediaService {
  readonly storage: MediaStorage;
  readonly repo: MediaRepository;
  private readonly gate = new ConcurrencyGate(2, 32);
  /** Rows by id for serving files. Rows never change in ways that matter to serving; deletion clears them. */
  private readonly cache = new Map<string, MediaItem>();

  constructor(private readonly deps: MediaServiceDeps) {
    this.storage = new MediaStorage(deps.dataDir);
    this.repo = new MediaRepository(deps.db);
  }

  get limits(): { imageBytes: number; videoBytes: number } {
    return { imageBytes: this.deps.maxImageBytes, videoBytes: this.deps.maxVideoBytes };
  }

  // ---- reading ----

  get(id: string): Promise<MediaItem | undefined> {
    if (!MEDIA_ID.test(id)) return Promise.resolve(undefined);
    return this.repo.get(id);
  }

  async getMany(ids: readonly string[]): Promise<Map<string, MediaItem>> {
    const items = await this.repo.getMany(ids.filter((id) => MEDIA_ID.test(id)));
    return new Map(items.map((i) => [i.id, i]));
  }

  /** A video with its poster and caption tracks. */
  async videoBundle(id: string): Promise<VideoBundle | undefined> {
    const video = await this.get(id);
    if (video?.kind !== 'video') return undefined;
    const children = await this.repo.children(id);
    return {
      video,
      poster: children.find((c) => c.kind === 'image'),
      captions: children.filter((c) => c.kind === 'captions'),
    };
  }

  async list(
    page: number,
    perPage = 30,
  ): Promise<{ items: MediaItem[]; children: MediaItem[]; total: number }> {
    const { items, total } = await this.repo.list((page - 1) * perPage, perPage);
    const children = await this.repo.childrenOf(items.filter((i) => i.kind === 'video').map((i) => i.id));
    return { items, children, total };
  }

  /** The file behind a public URL, or undefined: only ids and variant names that exist are resolved. */
  async resolveFile(id: string, variant: string): Promise<ResolvedFile | undefined> {
    if (!MEDIA_ID.test(id) || !VARIANT_NAME.test(variant)) return undefined;
    let item = this.cache.get(id);
    if (!item) {
      item = await this.repo.get(id);
      if (!item) return undefined;
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(id, item);
    }
    const v = item.variants.find((x) => x.name === variant);
    if (!v) return undefined;
    return { path: this.storage.fileOf(id, v.name), mime: v.mime, bytes: v.bytes, createdAt: item.createdAt };
  }

  // ---- storing ----

  private checkAlt(alt: Record<Lang, string> | undefined, problems: MediaProblem[]): Record<Lang, string> {
    const clean = { en: (alt?.en ?? '').trim(), 'zh-CN': (alt?.['zh-CN'] ?? '').trim() };
    for (const [lang, field] of [
      ['zh-CN', 'altZh'],
      ['en', 'altEn'],
    ] as const) {
      if (clean[lang] === '') problems.push({ field, code: 'required' });
      else if (clean[lang].length > ALT_MAX) problems.push({ field, code: 'too-long' });
    }
    return clean;
  }

  private async checkImageSource(
    source: FileSource | undefined,
    field: 'image' | 'poster',
    required: boolean,
    problems: MediaProblem[],
  ): Promise<Buffer | undefined> {
    if (!source) {
      if (required) problems.push({ field, code: 'required' });
      return undefined;
    }
    const size = await sizeOf(source);
    if (size === 0) {
      problems.push({ field, code: required ? 'required' : 'corrupt' });
      return undefined;
    }
    if (size > this.deps.maxImageBytes) {
      problems.push({ field, code: 'too-large' });
      return undefined;
    }
    const head = await headOf(inputOf(source));
    if (!isImageMime(sniff(head))) {
      problems.push({ field, code: 'wrong-type' });
      return undefined;
    }
    return head;
  }

  private checkCaptions(
    captions: Partial<Record<Lang, CaptionsSource>> | undefined,
    problems: MediaProblem[],
  ): Map<Lang, string> {
    const out = new Map<Lang, string>();
    for (const lang of ['zh-CN', 'en'] as const) {
      const source = captions?.[lang];
      if (source === undefined) continue;
      const result = validateWebVtt(source);
      if (result.ok) out.set(lang, result.text);
      else
        problems.push({
          field: CAPTION_FIELD[lang],
          code: 'captions',
          issue: result.issue,
          line: result.line,
        });
    }
    return out;
  }

  /** Re-encodes an image into the folder of `id` (created here). */
  private async encode(
    source: FileSource,
    head: Buffer,
    id: string,
    field: 'image' | 'poster',
  ): Promise<
    | { ok: true; width: number; height: number; variants: MediaVariant[]; bytes: number }
    | { ok: false; problem: MediaProblem }
  > {
    await this.storage.makeDir(id);
    const result = await this.gate.run(() => processImage(inputOf(source), head, this.storage, id));
    if (result === GATE_FULL) return { ok: false, problem: { field, code: 'busy' } };
    if (!result.ok) return { ok: false, problem: { field, code: result.problem satisfies ImageProblem } };
    return result;
  }

  private imageItem(
    id: string,
    encoded: { width: number; height: number; variants: MediaVariant[]; bytes: number },
    alt: Record<Lang, string>,
    actor: Actor,
    parentId: string | null,
  ): MediaItem {
    return {
      id,
      kind: 'image',
      mime: encoded.variants[0]!.mime,
      bytes: encoded.bytes,
      width: encoded.width,
      height: encoded.height,
      durationMs: null,
      lang: null,
      parentId,
      alt,
      variants: encoded.variants,
      createdBy: actor.id,
      createdAt: this.deps.now(),
    };
  }

  private async captionsItem(videoId: string, lang: Lang, text: string, actor: Actor): Promise<MediaItem> {
    const id = crypto.randomUUID();
    await this.storage.makeDir(id);
    const bytes = await this.storage.writeFile(id, 'captions.vtt', text);
    return {
      id,
      kind: 'captions',
      mime: 'text/vtt',
      bytes,
      width: null,
      height: null,
      durationMs: null,
      lang,
      parentId: videoId,
      alt: { en: '', 'zh-CN': '' },
      variants: [{ name: 'captions.vtt', width: null, height: null, mime: 'text/vtt; charset=utf-8', bytes }],
      createdBy: actor.id,
      createdAt: this.deps.now(),
    };
  }

  private async idIsFree(
    id: string | undefined,
    field: MediaField,
    problems: MediaProblem[],
  ): Promise<string> {
    if (id === undefined) return crypto.randomUUID();
    if (!MEDIA_ID.test(id) || (await this.repo.get(id))) problems.push({ field, code: 'exists' });
    return id;
  }

  private async changed(id: string): Promise<void> {
    await this.deps.events.emit('content.changed', { kind: 'media', key: id });
  }

  /**
   * Stores an image: re-encoded to responsive sizes, metadata stripped. Alternative text in both
   * languages is required. `id` (a UUID) lets a content pack choose it; otherwise one is generated.
   */
  async storeImage(input: {
    source: FileSource;
    alt: Record<Lang, string>;
    actor: Actor;
    id?: string;
  }): Promise<MediaResult<MediaItem>> {
    const created: string[] = [];
    try {
      const problems: MediaProblem[] = [];
      const alt = this.checkAlt(input.alt, problems);
      const head = await this.checkImageSource(input.source, 'image', true, problems);
      const id = await this.idIsFree(input.id, 'image', problems);
      if (problems.length > 0 || !head) return fail(problems);
      created.push(id);
      const encoded = await this.encode(input.source, head, id, 'image');
      if (!encoded.ok) return fail([encoded.problem]);
      const item = this.imageItem(id, encoded, alt, input.actor, null);
      await this.deps.db.transaction().execute(async (trx) => {
        await this.repo.insert([item], trx);
        await this.deps.audit.record(
          {
            actor: input.actor,
            action: 'media.upload',
            targetType: 'media',
            targetId: id,
            details: { kind: 'image', bytes: item.bytes, variants: item.variants.map((v) => v.name) },
          },
          trx,
        );
      });
      created.length = 0;
      await this.changed(id);
      return { ok: true, value: item };
    } finally {
      for (const id of created) await this.storage.removeDir(id).catch(() => {});
      await release([input.source]);
    }
  }

  /**
   * Stores a video (MP4 or WebM, kept as is) with an optional poster image (processed like any
   * image) and caption tracks per language. `alt` describes the video in both languages (required).
   */
  async storeVideo(input: {
    source: FileSource;
    alt: Record<Lang, string>;
    actor: Actor;
    poster?: FileSource;
    captions?: Partial<Record<Lang, CaptionsSource>>;
    id?: string;
  }): Promise<MediaResult<VideoBundle>> {
    const created: string[] = [];
    try {
      const problems: MediaProblem[] = [];
      const alt = this.checkAlt(input.alt, problems);
      const id = await this.idIsFree(input.id, 'video', problems);
      const size = await sizeOf(input.source);
      let mime: 'video/mp4' | 'video/webm' | undefined;
      if (size === 0) problems.push({ field: 'video', code: 'required' });
      else if (size > this.deps.maxVideoBytes) problems.push({ field: 'video', code: 'too-large' });
      else {
        const sniffed = sniff(await headOf(inputOf(input.source)));
        if (!isVideoMime(sniffed)) problems.push({ field: 'video', code: 'wrong-type' });
        else mime = sniffed;
      }
      const posterHead = await this.checkImageSource(input.poster, 'poster', false, problems);
      const captions = this.checkCaptions(input.captions, problems);
      if (problems.length > 0 || !mime) return fail(problems);

      // Check the container is whole (needs a file: a buffer is written out first).
      created.push(id);
      await this.storage.makeDir(id);
      const name = mime === 'video/mp4' ? 'video.mp4' : 'video.webm';
      let videoPath: string;
      if (Buffer.isBuffer(input.source)) {
        await this.storage.writeFile(id, name, input.source);
        videoPath = this.storage.fileOf(id, name);
      } else {
        videoPath = input.source.path;
      }
      const check = await checkVideoFile(videoPath, mime);
      if (!check.ok) return fail([{ field: 'video', code: 'corrupt' }]);

      let poster: MediaItem | undefined;
      if (input.poster && posterHead) {
        const posterId = crypto.randomUUID();
        created.push(posterId);
        const encoded = await this.encode(input.poster, posterHead, posterId, 'poster');
        if (!encoded.ok) return fail([encoded.problem]);
        poster = this.imageItem(posterId, encoded, alt, input.actor, id);
      }

      if (!Buffer.isBuffer(input.source)) {
        if (input.source.move) await this.storage.moveFile(id, name, input.source.path);
        else {
          const tmp = this.storage.tempFor(id, name);
          await fs.promises.copyFile(input.source.path, tmp, fs.constants.COPYFILE_EXCL);
          await fs.promises.rename(tmp, this.storage.fileOf(id, name));
        }
      }
      const tracks: MediaItem[] = [];
      for (const [lang, text] of captions) {
        const track = await this.captionsItem(id, lang, text, input.actor);
        created.push(track.id);
        tracks.push(track);
      }
      const video: MediaItem = {
        id,
        kind: 'video',
        mime,
        bytes: size,
        width: poster?.width ?? null,
        height: poster?.height ?? null,
        durationMs: check.durationMs,
        lang: null,
        parentId: null,
        alt,
        variants: [{ name, width: null, height: null, mime, bytes: size }],
        createdBy: input.actor.id,
        createdAt: this.deps.now(),
      };
      await this.deps.db.transaction().execute(async (trx) => {
        await this.repo.insert([video, ...(poster ? [poster] : []), ...tracks], trx);
        await this.deps.audit.record(
          {
            actor: input.actor,
            action: 'media.upload',
            targetType: 'media',
            targetId: id,
            details: {
              kind: 'video',
              mime,
              bytes: size,
              poster: poster?.id ?? null,
              captions: [...captions.keys()],
            },
          },
          trx,
        );
      });
      created.length = 0;
      await this.changed(id);
      return { ok: true, value: { video, poster, captions: tracks } };
    } finally {
      for (const id of created) await this.storage.removeDir(id).catch(() => {});
      await release([input.source, input.poster]);
    }
  }

  /** Adds or replaces a video's poster and caption tracks (a replaced one gets a new id and address). */
  async storeVideoTracks(input: {
    videoId: string;
    actor: Actor;
    poster?: FileSource;
    captions?: Partial<Record<Lang, CaptionsSource>>;
  }): Promise<MediaResult<VideoBundle>> {
    const created: string[] = [];
    try {
      const before = await this.videoBundle(input.videoId);
      if (!before) return fail([{ field: 'form', code: 'not-found' }]);
      const problems: MediaProblem[] = [];
      const posterHead = await this.checkImageSource(input.poster, 'poster', false, problems);
      const captions = this.checkCaptions(input.captions, problems);
      if (problems.length > 0) return fail(problems);
      if (!input.poster && captions.size === 0) return fail([{ field: 'form', code: 'required' }]);

      let poster: MediaItem | undefined;
      if (input.poster && posterHead) {
        const posterId = crypto.randomUUID();
        created.push(posterId);
        const encoded = await this.encode(input.poster, posterHead, posterId, 'poster');
        if (!encoded.ok) return fail([encoded.problem]);
        poster = this.imageItem(posterId, encoded, before.video.alt, input.actor, before.video.id);
      }
      const tracks: MediaItem[] = [];
      for (const [lang, text] of captions) {
        const track = await this.captionsItem(before.video.id, lang, text, input.actor);
        created.push(track.id);
        tracks.push(track);
      }
      const replaced = [
        ...(poster && before.poster ? [before.poster] : []),
        ...before.captions.filter((c) => tracks.some((t) => t.lang === c.lang)),
      ];
      await this.deps.db.transaction().execute(async (trx) => {
        await this.repo.delete(
          replaced.map((r) => r.id),
          trx,
        );
        await this.repo.insert([...(poster ? [poster] : []), ...tracks], trx);
        if (poster)
          await trx
            .updateTable('media')
            .set({ width: poster.width, height: poster.height })
            .where('id', '=', before.video.id)
            .execute();
        await this.deps.audit.record(
          {
            actor: input.actor,
            action: 'media.tracks',
            targetType: 'media',
            targetId: before.video.id,
            details: {
              poster: poster?.id ?? null,
              captions: [...captions.keys()],
              replaced: replaced.map((r) => r.id),
            },
          },
          trx,
        );
      });
      created.length = 0;
      for (const r of replaced) {
        this.cache.delete(r.id);
        await this.storage.removeDir(r.id).catch(() => {});
      }
      await this.changed(before.video.id);
      return { ok: true, value: (await this.videoBundle(before.video.id))! };
    } finally {
      for (const id of created) await this.storage.removeDir(id).catch(() => {});
      await release([input.poster]);
    }
  }

  /** Adds or replaces one caption track of a video. */
  storeCaptions(
    videoId: string,
    lang: Lang,
    source: CaptionsSource,
    actor: Actor,
  ): Promise<MediaResult<VideoBundle>> {
    return this.storeVideoTracks({ videoId, actor, captions: { [lang]: source } });
  }

  /** Adds or replaces the poster of a video. */
  storePoster(videoId: string, source: FileSource, actor: Actor): Promise<MediaResult<VideoBundle>> {
    return this.storeVideoTracks({ videoId, actor, poster: source });
  }

  /** Changes the alternative text (a video's description, copied to its poster). */
  async updateAlt(id: string, alt: Record<Lang, string>, actor: Actor): Promise<MediaResult<MediaItem>> {
    const problems: MediaProblem[] = [];
    const clean = this.checkAlt(alt, problems);
    const item = await this.get(id);
    if (!item || item.kind === 'captions') return fail([{ field: 'form', code: 'not-found' }]);
    if (problems.length > 0) return fail(problems);
    const ids = [id, ...(await this.repo.children(id)).filter((c) => c.kind === 'image').map((c) => c.id)];
    await this.deps.db.transaction().execute(async (trx) => {
      await this.repo.updateAlt(ids, clean, trx);
      await this.deps.audit.record({ actor, action: 'media.alt', targetType: 'media', targetId: id }, trx);
    });
    for (const i of ids) this.cache.delete(i);
    await this.changed(id);
    return { ok: true, value: { ...item, alt: clean } };
  }

  /** Deletes a file with its poster and captions; refused while a post shows it. */
  async delete(id: string, actor: Actor): Promise<MediaResult<{ id: string }>> {
    const item = await this.get(id);
    if (!item) return fail([{ field: 'form', code: 'not-found' }]);
    if ((await this.repo.usedByPosts(id)) > 0) return fail([{ field: 'form', code: 'in-use' }]);
    const children = await this.repo.children(id);
    const ids = [id, ...children.map((c) => c.id)];
    await this.deps.db.transaction().execute(async (trx) => {
      await this.repo.delete(ids, trx);
      await this.deps.audit.record(
        {
          actor,
          action: 'media.delete',
          targetType: 'media',
          targetId: id,
          details: { kind: item.kind, children: children.map((c) => c.id) },
        },
        trx,
      );
    });
    for (const i of ids) {
      this.cache.delete(i);
      await this.storage.removeDir(i).catch(() => {});
    }
    await this.changed(id);
    return { ok: true, value: { id } };
  }
}
