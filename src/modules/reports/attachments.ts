/**
 * Reporters' files: streamed in, checked by content, stripped of what they say about their maker,
 * and sealed frame by frame (envelope.ts, in the writer thread of file-writer.ts) straight into
 * <dataDir>/reports/files/<fileId>. No plaintext byte ever reaches the disk, not even in a
 * temporary file: the temporary name only ever holds sealed frames, and is renamed (after fsync)
 * once the file is complete. At most a small header, one JPEG segment (64 KiB), 512 KiB on its way
 * to the writer thread and one sealed frame (256 KiB) are held in memory per file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ReportConfig } from '../../config/index.ts';
import { fileKey, openSealedFile } from '../../platform/crypto/envelope.ts';
import type { Db } from '../../platform/db/index.ts';
import type { FileSink, UploadedFile } from '../../platform/http/multipart.ts';
import { detect, SNIFF_BYTES } from './file-types.ts';
import { FileWriterThread } from './file-writer.ts';
import type { StoredAttachmentRef } from './intake.service.ts';
import { StripError, type Stripper } from './strip-metadata.ts';

export type AttachmentProblem = 'too-large' | 'type-not-accepted' | 'empty' | 'too-many' | 'damaged';

export interface AttachmentOutcome {
  /** The file's name, cleaned for display (no path, no control characters, bounded). */
  name: string;
  stored?: StoredAttachmentRef;
  problem?: AttachmentProblem;
}

export interface AttachmentSink extends FileSink {
  readonly fileId: string;
  finish(): Promise<AttachmentOutcome>;
}

const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TEMP_SUFFIX = '.part';
const NAME_MAX = 100;

/** The usual extensions of each accepted type; a name without one of them gets the first appended. */
const EXTENSIONS: Record<string, string[]> = {
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/png': ['png'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt', 'text', 'log', 'csv', 'md'],
  'video/mp4': ['mp4', 'm4v', '3gp', '3g2'],
  'video/quicktime': ['mov', 'qt'],
  'audio/mp4': ['m4a', 'm4b', 'aac'],
  'video/webm': ['webm'],
  'video/x-matroska': ['mkv', 'mka'],
  'audio/ogg': ['ogg', 'oga', 'opus', 'ogv'],
  'audio/wav': ['wav'],
  'audio/mpeg': ['mp3'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/vnd.oasis.opendocument.text': ['odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ods'],
  'application/vnd.oasis.opendocument.presentation': ['odp'],
};

/**
 * A declared file name made safe to show and keep: no folders, no control or direction-changing
 * characters (which can disguise "exe" as "jpg"), no leading dots, at most NAME_MAX characters.
 * With a type, an extension that does not fit it is followed by one that does.
 */
export function cleanFileName(declared: string, type?: string): string {
  let name = declared
    .normalize('NFC')
    .replace(/^.*[/\\]/s, '')
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const ext = /\.([^.]{1,10})$/.exec(name)?.[1]?.toLowerCase();
  const wanted = type ? EXTENSIONS[type] : undefined;
  const suffix = wanted && !(ext && wanted.includes(ext)) ? `.${wanted[0]}` : '';
  const room = NAME_MAX - suffix.length;
  const chars = [...(name || 'file')];
  if (chars.length > room) {
    // Keep the end (the extension) and cut the middle.
    const end = ext ? [...`.${ext}`] : [];
    name = [...chars.slice(0, room - end.length - 1), '…', ...end].join('');
  } else name = chars.join('');
  return name + suffix;
}

/** The outcome of each file a multipart form brought (files nobody chose are left out). */
export function outcomesOf(uploads: readonly UploadedFile[]): AttachmentOutcome[] {
  const out: AttachmentOutcome[] = [];
  for (const u of uploads) {
    const result = u.result as AttachmentOutcome | undefined;
    if (result) out.push(result);
    else if (u.tooMany) out.push({ name: cleanFileName(u.declaredName), problem: 'too-many' });
    else if (u.tooLarge) out.push({ name: cleanFileName(u.declaredName), problem: 'too-large' });
    else if (u.declaredName !== '' || u.bytes > 0)
      out.push({ name: cleanFileName(u.declaredName), problem: 'damaged' });
  }
  return out;
}

export class AttachmentStore {
  readonly dir: string;
  /** Seals and writes files off the event loop (file-writer.ts). */
  readonly writer = new FileWriterThread();

  constructor(
    readonly dataDir: string,
    readonly limits: ReportConfig,
  ) {
    this.dir = path.join(dataDir, 'reports', 'files');
  }

  ensure(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** A sink that seals one file under the report's content key; see AttachmentSink. */
  sink(contentKey: Buffer, declaredName: string): AttachmentSink {
    return new SealingSink(this, contentKey, declaredName);
  }

  pathOf(fileId: string): string {
    if (!FILE_ID.test(fileId)) throw new Error('not a file id');
    return path.join(this.dir, fileId);
  }

  /** The plaintext of a stored file, frame by frame; throws CryptoError if it was altered. */
  read(fileId: string, contentKey: Buffer): AsyncIterable<Buffer> {
    const source = fs.createReadStream(this.pathOf(fileId), { highWaterMark: 64 * 1024 });
    return openSealedFile(source, fileKey(contentKey, fileId), fileId);
  }

  async remove(fileId: string): Promise<void> {
    await fs.promises.rm(this.pathOf(fileId), { force: true });
  }

  /**
   * Deletes stored files older than olderThanMs whose ids have no report_files row (a form left
   * unfinished, a refused report), and temporary files left by a crash. Files of drafts still being
   * written have no row yet: olderThanMs must exceed a draft's lifetime.
   */
  async sweepOrphans(db: Db, olderThanMs: number, now: number): Promise<number> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch {
      return 0;
    }
    const cutoff = now - olderThanMs;
    const old: string[] = [];
    let removed = 0;
    for (const name of names) {
      const stat = await fs.promises.stat(path.join(this.dir, name)).catch(() => undefined);
      if (!stat?.isFile() || stat.mtimeMs >= cutoff) continue;
      if (name.endsWith(TEMP_SUFFIX)) {
        await fs.promises.rm(path.join(this.dir, name), { force: true });
        removed++;
      } else if (FILE_ID.test(name)) old.push(name);
    }
    for (let i = 0; i < old.length; i += 500) {
      const batch = old.slice(i, i + 500);
      const rows = await db.selectFrom('report_files').select('id').where('id', 'in', batch).execute();
      const known = new Set(rows.map((r) => r.id));
      for (const id of batch) {
        if (known.has(id)) continue;
        await fs.promises.rm(path.join(this.dir, id), { force: true });
        removed++;
      }
    }
    return removed;
  }
}

/**
 * Streams one file: the first bytes decide its type, the stripper filters it, the writer seals
 * it. A problem (too large, wrong type, damaged) stops the work and deletes what was written;
 * later writes are ignored and finish() reports the problem.
 */
class SealingSink implements AttachmentSink {
  readonly fileId = crypto.randomUUID();
  private readonly key: Buffer;
  private readonly tempPath: string;
  private opened = false;
  private head: Buffer[] = [];
  private headBytes = 0;
  private type: string | undefined;
  private stripper: Stripper | undefined;
  private problem: 'too-large' | 'type-not-accepted' | 'damaged' | 'empty' | undefined;
  private inBytes = 0;
  private outBytes = 0;
  private storedBytes = 0;
  private state: 'open' | 'finished' | 'aborted' = 'open';

  constructor(
    private readonly store: AttachmentStore,
    contentKey: Buffer,
    private readonly declaredName: string,
  ) {
    this.key = fileKey(contentKey, this.fileId);
    this.tempPath = path.join(store.dir, `${this.fileId}${TEMP_SUFFIX}`);
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.state !== 'open' || this.problem || chunk.length === 0) return;
    this.inBytes += chunk.length;
    if (this.inBytes > this.store.limits.maxFileBytes) return this.fail('too-large');
    if (!this.stripper) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < SNIFF_BYTES) return;
      if (!this.choose(false)) return this.fail('type-not-accepted');
      chunk = Buffer.concat(this.head);
      this.head = [];
    }
    const stripper = this.stripper as Stripper;
    await this.feed(() => stripper.push(chunk));
  }

  async finish(): Promise<AttachmentOutcome> {
    if (this.state !== 'open')
      return { name: cleanFileName(this.declaredName), problem: this.problem ?? 'damaged' };
    try {
      if (!this.problem && this.inBytes === 0) this.problem = 'empty';
      if (!this.problem && !this.stripper) {
        if (!this.choose(true)) this.problem = 'type-not-accepted';
        else {
          const head = Buffer.concat(this.head);
          this.head = [];
          const stripper = this.stripper as unknown as Stripper;
          await this.feed(() => stripper.push(head));
        }
      }
      const stripper = this.stripper;
      if (!this.problem && stripper) await this.feed(() => stripper.end());
      if (!this.problem && this.outBytes === 0) this.problem = 'damaged';
      if (this.problem) {
        await this.cleanup();
        this.state = 'finished';
        return { name: cleanFileName(this.declaredName), problem: this.problem };
      }
      // Sealed, durable and renamed into place by the writer thread before this resolves.
      if (!this.opened) this.open();
      this.storedBytes = await this.store.writer.finish(this.fileId);
      this.state = 'finished';
      const type = stripper?.type ?? this.type ?? 'application/octet-stream';
      const name = cleanFileName(this.declaredName, type);
      return {
        name,
        stored: {
          id: this.fileId,
          meta: { name, type, bytes: this.outBytes, removed: [...(stripper?.removed ?? [])] },
          storedBytes: this.storedBytes,
        },
      };
    } catch (err) {
      await this.cleanup();
      this.state = 'aborted';
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await this.cleanup();
  }

  private choose(complete: boolean): boolean {
    const found = detect(Buffer.concat(this.head), complete);
    if (!found) return false;
    this.type = found.type;
    this.stripper = found.stripper();
    return true;
  }

  private async feed(step: () => Buffer[]): Promise<void> {
    let out: Buffer[];
    try {
      out = step();
    } catch (err) {
      if (err instanceof StripError) return this.fail(err.problem);
      throw err;
    }
    for (const b of out) {
      if (b.length === 0) continue;
      this.outBytes += b.length;
      if (!this.opened) this.open();
      await this.store.writer.write(this.fileId, b);
    }
  }

  private open(): void {
    this.opened = true;
    this.store.writer.open(this.fileId, this.tempPath, this.store.pathOf(this.fileId), this.key);
  }

  private async fail(problem: 'too-large' | 'type-not-accepted' | 'damaged'): Promise<void> {
    this.problem = problem;
    this.head = [];
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    if (this.opened) await this.store.writer.abort(this.fileId);
    this.opened = false;
    await fs.promises.rm(this.tempPath, { force: true });
  }
}
