/**
 * Image re-encoding with sharp: turned upright by its EXIF orientation, converted to sRGB, resized
 * to responsive widths (never enlarged) and written as JPEG, or WebP when it has real transparency.
 * sharp writes no metadata unless asked, so EXIF (GPS included), XMP, IPTC and ICC profiles are all
 * gone from every variant; the original is never kept.
 */
import fs from 'node:fs';
import type { Metadata, OutputInfo } from 'sharp';

type Sharp = typeof import('sharp').default;
let loaded: Sharp | undefined;
/**
 * sharp (with libvips, ~30 MiB) is loaded on the first image, not at start-up. Its operation cache
 * is turned off: every image is decoded once, so the cache (up to 50 MiB by default) only held on
 * to memory after the content pack's images were seeded.
 */
async function sharpLib(): Promise<Sharp> {
  if (!loaded) {
    loaded = (await import('sharp')).default;
    loaded.cache(false);
  }
  return loaded;
}

import { type ImageMime, isImageMime, sniff } from './sniff.ts';
import type { MediaStorage } from './storage.ts';

export const IMAGE_WIDTHS = [400, 800, 1600] as const;
/** About 50 megapixels: a 48 MP phone photo passes, a decompression bomb does not. */
export const MAX_INPUT_PIXELS = 50_000_000;

export interface MediaVariant {
  name: string;
  width: number | null;
  height: number | null;
  mime: string;
  bytes: number;
}

export type ImageProblem = 'wrong-type' | 'corrupt' | 'too-many-pixels';

export type ProcessedImage =
  | { ok: true; width: number; height: number; variants: MediaVariant[]; bytes: number }
  | { ok: false; problem: ImageProblem };

const SHARP_FORMAT: Record<ImageMime, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

const INPUT = { failOn: 'warning', limitInputPixels: MAX_INPUT_PIXELS, animated: false } as const;

/** The widths to produce for an image this wide: the standard ones below it, and its own up to the largest. */
export function targetWidths(width: number): number[] {
  const out: number[] = IMAGE_WIDTHS.filter((w) => w <= width);
  const largest = IMAGE_WIDTHS[IMAGE_WIDTHS.length - 1]!;
  if (width < largest && !out.includes(width)) out.push(width);
  return out;
}

/** Checks what the bytes are (magic bytes, then the decoder must agree) and how large they decode. */
export async function inspectImage(
  source: Buffer | string,
  head: Buffer,
): Promise<
  | { ok: true; mime: ImageMime; width: number; height: number; alpha: boolean }
  | { ok: false; problem: ImageProblem }
> {
  const mime = sniff(head);
  if (!isImageMime(mime)) return { ok: false, problem: 'wrong-type' };
  let meta: Metadata;
  try {
    meta = await (await sharpLib())(source, INPUT).metadata();
  } catch {
    return { ok: false, problem: 'corrupt' };
  }
  if (meta.format !== SHARP_FORMAT[mime]) return { ok: false, problem: 'wrong-type' };
  if (!meta.width || !meta.height) return { ok: false, problem: 'corrupt' };
  if (meta.width * meta.height > MAX_INPUT_PIXELS) return { ok: false, problem: 'too-many-pixels' };
  const upright = meta.autoOrient ?? { width: meta.width, height: meta.height };
  let alpha = meta.hasAlpha === true;
  if (alpha) {
    try {
      alpha = !(await (await sharpLib())(source, INPUT).stats()).isOpaque;
    } catch {
      return { ok: false, problem: 'corrupt' };
    }
  }
  return { ok: true, mime, width: upright.width, height: upright.height, alpha };
}

/**
 * Re-encodes an image into `<media>/<id>/w<width>.<ext>` files. The folder must exist. On failure
 * the files written so far are removed by the caller with the folder.
 */
export async function processImage(
  source: Buffer | string,
  head: Buffer,
  storage: MediaStorage,
  id: string,
): Promise<ProcessedImage> {
  const inspected = await inspectImage(source, head);
  if (!inspected.ok) return inspected;
  const variants: MediaVariant[] = [];
  const ext = inspected.alpha ? 'webp' : 'jpg';
  const mime = inspected.alpha ? 'image/webp' : 'image/jpeg';
  for (const width of targetWidths(inspected.width)) {
    let pipeline = (await sharpLib())(source, INPUT)
      .autoOrient()
      .resize({ width, withoutEnlargement: true })
      .toColourspace('srgb');
    pipeline = inspected.alpha
      ? pipeline.webp({ quality: 80, alphaQuality: 90, effort: 4 })
      : pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 82, mozjpeg: true });
    const name = `w${width}.${ext}`;
    const tmp = storage.tempFor(id, name);
    let info: OutputInfo;
    try {
      info = await pipeline.toFile(tmp);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      if (err instanceof Error && /pixel limit/i.test(err.message))
        return { ok: false, problem: 'too-many-pixels' };
      return { ok: false, problem: 'corrupt' };
    }
    await fs.promises.rename(tmp, storage.fileOf(id, name));
    variants.push({ name, width: info.width, height: info.height, mime, bytes: info.size });
  }
  const largest = variants[variants.length - 1]!;
  return {
    ok: true,
    width: largest.width!,
    height: largest.height!,
    variants,
    bytes: variants.reduce((sum, v) => sum + v.bytes, 0),
  };
}
