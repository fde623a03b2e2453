/**
 * Media files on disk: `<dataDir>/media/<id>/<variant>`. Every file is written under a temporary
 * name in its own folder and renamed into place, so a half-written file is never served; uploads
 * arrive in `<dataDir>/media/.incoming/` (same file system, so a video is moved, not copied).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomToken } from '../../platform/crypto/index.ts';

export const MEDIA_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const VARIANT_NAME = /^[a-z0-9][a-z0-9-]{0,30}\.[a-z0-9]{2,5}$/;

export class MediaStorage {
  readonly root: string;
  readonly incoming: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'media');
    this.incoming = path.join(this.root, '.incoming');
  }

  /** Creates the folders; call once at start-up. */
  ensure(): void {
    fs.mkdirSync(this.incoming, { recursive: true, mode: 0o700 });
  }

  dirOf(id: string): string {
    if (!MEDIA_ID.test(id)) throw new Error('not a media id');
    return path.join(this.root, id);
  }

  fileOf(id: string, variant: string): string {
    if (!VARIANT_NAME.test(variant)) throw new Error('not a variant name');
    return path.join(this.dirOf(id), variant);
  }

  /** A temporary name next to where `variant` will live (starts with a dot: never a variant name). */
  tempFor(id: string, variant: string): string {
    return path.join(this.dirOf(id), `.${variant}.${randomToken(8)}.tmp`);
  }

  async makeDir(id: string): Promise<string> {
    const dir = this.dirOf(id);
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Writes bytes under a temporary name and renames them into place. */
  async writeFile(id: string, variant: string, data: Buffer | string): Promise<number> {
    const tmp = this.tempFor(id, variant);
    try {
      await fs.promises.writeFile(tmp, data, { flag: 'wx', mode: 0o600 });
      await fs.promises.rename(tmp, this.fileOf(id, variant));
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  }

  /** Moves a file (an upload in .incoming) into place; copies first when it is on another file system. */
  async moveFile(id: string, variant: string, from: string): Promise<void> {
    const tmp = this.tempFor(id, variant);
    try {
      try {
        await fs.promises.rename(from, tmp);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        await fs.promises.copyFile(from, tmp, fs.constants.COPYFILE_EXCL);
        await fs.promises.rm(from, { force: true });
      }
      await fs.promises.rename(tmp, this.fileOf(id, variant));
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  async removeDir(id: string): Promise<void> {
    await fs.promises.rm(this.dirOf(id), { recursive: true, force: true });
  }

  /** Removes uploads left in .incoming by a crash (older than a day: a slow upload may still be running). */
  async sweepIncoming(now: number, maxAgeMs = 24 * 3_600_000): Promise<number> {
    let removed = 0;
    for (const name of await fs.promises.readdir(this.incoming).catch(() => [] as string[])) {
      const full = path.join(this.incoming, name);
      const stat = await fs.promises.stat(full).catch(() => undefined);
      if (stat && now - stat.mtimeMs > maxAgeMs) {
        await fs.promises.rm(full, { force: true, recursive: true });
        removed++;
      }
    }
    return removed;
  }
}
