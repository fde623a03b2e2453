/**
 * A small streaming parser for multipart/form-data (RFC 7578), for the few routes that take files.
 * Text fields are collected in memory, bounded; each file is streamed as it arrives (with
 * backpressure: the request is read no faster than the file's destination takes it) and is never
 * held whole in memory. The destination is a temporary file, or, when the scope gives a sinkFor, a
 * FileSink (reports seal files as they stream in: then nothing at all is written to disk here).
 * Limits on each file, on the fields and on the whole body apply while reading. The part's
 * Content-Type is never kept (callers decide what a file is from its bytes); the declared file
 * name is handed to the caller, who must treat it as untrusted text.
 *
 * Registered only inside the plugin scope of the routes that take uploads (registerMultipart), so
 * every other route keeps answering 415 to a multipart body. The CSRF token is checked as soon
 * as the first file begins (browsers send fields in document order, and Vigil's forms put the
 * token first), so a forged cross-site upload never writes to disk; the global preHandler check
 * still runs on the parsed fields afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomToken } from '../crypto/index.ts';
import { CSRF_FIELD, type Csrf, CsrfError } from './csrf.ts';
import { FormParseError, stripControlCharacters } from './forms.ts';

export interface MultipartLimits {
  /** The file fields a route accepts, each with its largest size in bytes. Other file parts are discarded. */
  files: Record<string, number>;
  /** Longest text value, in bytes; a longer one is cut and the form flagged as truncated. */
  fieldBytes: number;
  /** Most text fields read; later ones are ignored and the form flagged as truncated. */
  fields: number;
  /** The whole body: past this, reading stops and the form is flagged 'too-large'. */
  totalBytes: number;
  /** Most files kept for one field (default 1); later ones are flagged tooMany and discarded. */
  maxFilesPerField?: number;
}

/**
 * Where a file's bytes go instead of a temporary file. write() is awaited before more of the body
 * is read (backpressure); finish() is called once the part ended, and what it resolves to becomes
 * UploadedFile.result. On any failure (a limit, a broken body, a dropped connection, a refused CSRF
 * token) abort() is called instead, and must leave nothing half-written behind.
 */
export interface FileSink {
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<unknown>;
  abort(): Promise<void>;
}

export type SinkFor = (field: string, declaredName: string) => FileSink | Promise<FileSink>;

export interface UploadedFile {
  field: string;
  /** The file name the client declared (untrusted: may hold a path, control characters, anything). */
  declaredName: string;
  /** The temporary file holding the bytes; undefined when nothing was sent, the file was refused, or a sink took it. */
  path: string | undefined;
  bytes: number;
  /** More bytes than the field's limit arrived: they were discarded and nothing was kept. */
  tooLarge: boolean;
  /** The field already had maxFilesPerField files: this one was discarded unread. */
  tooMany: boolean;
  /** What the sink's finish() resolved to (sink mode only; undefined when the sink was aborted). */
  result?: unknown;
}

export type MultipartProblem = 'too-large' | 'malformed';

export interface MultipartForm {
  /** Text fields (a null-prototype object); a repeated field keeps every value. */
  fields: Record<string, string | string[]>;
  /** The first file of each field (a field with maxFilesPerField > 1: see uploads). */
  files: Map<string, UploadedFile>;
  /** Every file part of an accepted field, in arrival order (parts with no file chosen left out). */
  uploads: UploadedFile[];
  /** A field value was cut, or fields past the limit were ignored. */
  truncated: boolean;
  /** Reading stopped early: the body was over its limit, or was not valid multipart. */
  problem: MultipartProblem | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Limits for routes that accept multipart/form-data (inside a registerMultipart scope). */
    multipart?: MultipartLimits;
  }
}

const HEADER_LIMIT = 8 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The boundary parameter of a multipart/form-data Content-Type, or undefined when absent or invalid. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;,"]{1,70}))\s*(?:;|$)/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  if (!b || !/^[0-9A-Za-z'()+_,\-./:=? ]+$/.test(b) || b.endsWith(' ')) return undefined;
  return b;
}

interface PartHeaders {
  name: string | undefined;
  filename: string | undefined;
}

/** Reads the name and filename parameters of a part's Content-Disposition header. */
export function parsePartHeaders(block: string): PartHeaders {
  let name: string | undefined;
  let filename: string | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    const value = line.slice(colon + 1);
    if (!/^\s*form-data\s*(;|$)/i.test(value)) return { name: undefined, filename: undefined };
    const re = /;\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
    for (let m = re.exec(value); m; m = re.exec(value)) {
      const key = m[1]!.toLowerCase();
      const raw = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
      // Browsers percent-encode the quote and line breaks in names (WHATWG HTML).
      const decoded = raw.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
      if (key === 'name') name = decoded;
      else if (key === 'filename') filename = decoded;
    }
  }
  return { name, filename };
}

async function writeAll(fh: fs.promises.FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

export interface ParseOptions {
  boundary: string;
  limits: MultipartLimits;
  /** Folder for the temporary files (must exist, on the same file system as their destination). Unused with sinkFor. */
  tempDir?: string;
  /** Streams each file into a sink instead of a temporary file. */
  sinkFor?: SinkFor;
  /** Called once, before the first file is stored, with the fields read so far; may throw. */
  beforeFirstFile?: (fields: Record<string, string | string[]>) => void;
}

type FilePart = {
  kind: 'file';
  file: UploadedFile;
  limit: number;
  fh: fs.promises.FileHandle | undefined;
  sink: FileSink | undefined;
};

/**
 * Reads a multipart body. Resolves with the fields and the files; on a thrown error (a failed
 * beforeFirstFile, a broken connection, a failing sink) every temporary file is removed and the
 * open sink aborted first. The stream is left paused, never destroyed, when reading stops early,
 * so a response can still be sent.
 */
export async function parseMultipart(stream: Readable, o: ParseOptions): Promise<MultipartForm> {
  if (!o.sinkFor && !o.tempDir) throw new Error('parseMultipart needs a tempDir or a sinkFor');
  const delimiter = Buffer.from(`\r\n--${o.boundary}`);
  const fields: Record<string, string | string[]> = Object.create(null);
  const files = new Map<string, UploadedFile>();
  const uploads: UploadedFile[] = [];
  const form: MultipartForm = { fields, files, uploads, truncated: false, problem: undefined };
  const created: string[] = [];
  const perField = new Map<string, number>();
  const maxPerField = o.limits.maxFilesPerField ?? 1;
  let fieldCount = 0;
  let total = 0;
  let fileStarted = false;
  // The body is read as if it began with CRLF, so the first boundary matches the delimiter.
  let buf: Buffer = Buffer.from(CRLF);
  let state = 'preamble' as 'preamble' | 'after' | 'headers' | 'body' | 'done';

  // The part being read.
  let part:
    | { kind: 'field'; name: string; chunks: Buffer[]; size: number; over: boolean }
    | FilePart
    | { kind: 'skip' }
    | undefined;

  const checkFirstFile = () => {
    if (fileStarted) return;
    fileStarted = true;
    o.beforeFirstFile?.(fields);
  };

  /** Opens the file's destination: the sink, or a temporary file. */
  const openFile = async (p: FilePart) => {
    checkFirstFile();
    if (o.sinkFor) {
      p.sink = await o.sinkFor(p.file.field, p.file.declaredName);
      return;
    }
    const tmp = path.join(o.tempDir as string, `upload-${randomToken(12)}.part`);
    created.push(tmp);
    p.fh = await fs.promises.open(tmp, 'wx', 0o600);
    p.file.path = tmp;
  };

  const startPart = async (headers: PartHeaders) => {
    if (headers.name === undefined) {
      part = { kind: 'skip' };
    } else if (headers.filename === undefined) {
      if (fieldCount >= o.limits.fields) {
        form.truncated = true;
        part = { kind: 'skip' };
      } else {
        fieldCount++;
        part = { kind: 'field', name: headers.name, chunks: [], size: 0, over: false };
      }
    } else {
      const limit = Object.hasOwn(o.limits.files, headers.name) ? o.limits.files[headers.name] : undefined;
      if (limit === undefined) {
        part = { kind: 'skip' };
        return;
      }
      const file: UploadedFile = {
        field: headers.name,
        declaredName: headers.filename,
        path: undefined,
        bytes: 0,
        tooLarge: false,
        tooMany: false,
      };
      const count = perField.get(headers.name) ?? 0;
      if (count >= maxPerField) {
        // An empty part with no name is a file input left empty: nothing to flag.
        if (headers.filename !== '') uploads.push({ ...file, tooMany: true });
        part = { kind: 'skip' };
        return;
      }
      perField.set(headers.name, count + 1);
      if (!files.has(headers.name)) files.set(headers.name, file);
      uploads.push(file);
      part = { kind: 'file', file, limit, fh: undefined, sink: undefined };
      // A named file goes to its sink even when empty, so the sink can say it was empty.
      if (o.sinkFor && headers.filename !== '') await openFile(part);
    }
  };

  const dropFile = async (p: FilePart) => {
    const sink = p.sink;
    p.sink = undefined;
    await sink?.abort();
    await p.fh?.close().catch(() => {});
    p.fh = undefined;
    if (p.file.path) await fs.promises.rm(p.file.path, { force: true });
    p.file.path = undefined;
  };

  const data = async (chunk: Buffer) => {
    if (chunk.length === 0 || !part) return;
    if (part.kind === 'field') {
      if (part.over) return;
      const room = o.limits.fieldBytes + 4 - part.size;
      part.chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      part.size += Math.min(room, chunk.length);
      if (part.size > o.limits.fieldBytes) part.over = true;
      return;
    }
    if (part.kind !== 'file' || part.file.tooLarge) return;
    if (part.file.bytes + chunk.length > part.limit) {
      part.file.tooLarge = true;
      await dropFile(part);
      return;
    }
    if (!part.fh && !part.sink) await openFile(part);
    if (part.sink) await part.sink.write(chunk);
    else if (part.fh) await writeAll(part.fh, chunk);
    part.file.bytes += chunk.length;
  };

  const endPart = async () => {
    const p = part;
    part = undefined;
    if (!p) return;
    if (p.kind === 'field') {
      let value = Buffer.concat(p.chunks).toString('utf8');
      if (p.over) {
        form.truncated = true;
        value = value.slice(0, o.limits.fieldBytes);
      }
      value = stripControlCharacters(value);
      const existing = fields[p.name];
      if (existing === undefined) fields[p.name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else fields[p.name] = [existing, value];
    } else if (p.kind === 'file') {
      if (p.fh) {
        await p.fh.close();
        p.fh = undefined;
      } else if (p.sink) {
        const sink = p.sink;
        try {
          p.file.result = await sink.finish();
        } catch (err) {
          await sink.abort().catch(() => {});
          throw err;
        } finally {
          p.sink = undefined;
        }
      } else if (p.file.declaredName === '' && p.file.bytes === 0 && !p.file.tooLarge) {
        // No file was chosen: not an upload (the files map keeps it, as it always did).
        uploads.splice(uploads.indexOf(p.file), 1);
        perField.set(p.file.field, (perField.get(p.file.field) ?? 1) - 1);
      }
    }
  };

  /** Consumes as much of `buf` as possible; returns when more input is needed. */
  const consume = async () => {
    for (;;) {
      if (state === 'done') {
        buf = Buffer.alloc(0);
        return;
      }
      if (state === 'preamble') {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          buf = Buffer.from(buf.subarray(Math.max(0, buf.length - delimiter.length + 1)));
          return;
        }
        buf = buf.subarray(i + delimiter.length);
        state = 'after';
      }
      if (state === 'after') {
        if (buf.length < 2) return;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          continue;
        }
        const eol = buf.indexOf(CRLF);
        if (eol < 0) {
          if (buf.length > 256) throw new FormParseError('malformed multipart boundary line');
          return;
        }
        // Transport padding (spaces and tabs) may follow a boundary.
        if (!/^[ \t]*$/.test(buf.subarray(0, eol).toString('latin1')))
          throw new FormParseError('malformed multipart boundary line');
        buf = buf.subarray(eol + 2);
        state = 'headers';
      }
      if (state === 'headers') {
        let block: string;
        if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
          block = '';
          buf = buf.subarray(2);
        } else {
          const end = buf.indexOf(HEADER_END);
          if (end < 0) {
            if (buf.length > HEADER_LIMIT) throw new FormParseError('multipart part headers too long');
            return;
          }
          if (end > HEADER_LIMIT) throw new FormParseError('multipart part headers too long');
          block = buf.subarray(0, end).toString('utf8');
          buf = buf.subarray(end + 4);
        }
        await startPart(parsePartHeaders(block));
        state = 'body';
      }
      if (state === 'body') {
        const i = buf.indexOf(delimiter);
        if (i >= 0) {
          await data(buf.subarray(0, i));
          await endPart();
          buf = buf.subarray(i + delimiter.length);
          state = 'after';
          continue;
        }
        const keep = delimiter.length - 1;
        if (buf.length > keep) {
          await data(buf.subarray(0, buf.length - keep));
          buf = Buffer.from(buf.subarray(buf.length - keep));
        }
        return;
      }
    }
  };

  /** Whether a delimiter starts in `tail` and runs on into `chunk` (which must be long enough to hold its rest). */
  const seamHasDelimiter = (tail: Buffer, chunk: Buffer) =>
    Buffer.concat([tail, chunk.subarray(0, delimiter.length - 1)]).indexOf(delimiter) !== -1;

  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      let chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      const room = o.limits.totalBytes - total;
      total += chunk.length;
      const over = total > o.limits.totalBytes;
      // Whatever fits within the limit is still read, so fields before an oversized file are kept.
      if (over) chunk = chunk.subarray(0, Math.max(0, room));
      try {
        if (buf.length === 0) buf = chunk;
        else if (
          state === 'body' &&
          buf.length < delimiter.length &&
          chunk.length >= delimiter.length &&
          !seamHasDelimiter(buf, chunk)
        ) {
          // In a body only a short tail is carried from one chunk to the next. When no delimiter
          // starts in it, it is plain data: hand it on and go on with the chunk itself, rather than
          // copying every chunk of a large file into a new buffer.
          await data(buf);
          buf = chunk;
        } else buf = Buffer.concat([buf, chunk]);
        await consume();
        if (over) {
          // Stop reading (without destroying the stream, so the answer can still be sent).
          form.problem = 'too-large';
          if (part?.kind === 'file') await dropFile(part);
          part = undefined;
          return form;
        }
      } catch (err) {
        if (!(err instanceof FormParseError)) throw err;
        form.problem = 'malformed';
        if (part?.kind === 'file') await dropFile(part);
        part = undefined;
        // Read (and discard) the rest, within the limit, so the answer reaches the browser.
        for (;;) {
          const rest = await iterator.next();
          if (rest.done) break;
          total += typeof rest.value === 'string' ? Buffer.byteLength(rest.value) : rest.value.length;
          if (total > o.limits.totalBytes) break;
        }
        return form;
      }
    }
    if (state !== 'done') {
      form.problem = 'malformed';
      if (part?.kind === 'file') await dropFile(part);
      part = undefined;
    }
    return form;
  } catch (err) {
    if (part?.kind === 'file') {
      await part.sink?.abort().catch(() => {});
      await part.fh?.close().catch(() => {});
    }
    for (const file of created) await fs.promises.rm(file, { force: true }).catch(() => {});
    throw err;
  }
}

export class MultipartNotAccepted extends Error {
  readonly statusCode = 415;
}

const forms = new WeakMap<FastifyRequest, MultipartForm>();

/** The multipart form of this request, when it arrived as multipart/form-data. */
export function multipartOf(req: FastifyRequest): MultipartForm | undefined {
  return forms.get(req);
}

/** Removes every temporary file of this request that a handler did not take over. Safe to call twice. */
export async function discardUploads(req: FastifyRequest): Promise<void> {
  const form = forms.get(req);
  if (!form) return;
  for (const file of [...form.files.values(), ...form.uploads]) {
    const p = file.path;
    file.path = undefined;
    if (p) await fs.promises.rm(p, { force: true }).catch(() => {});
  }
}

/**
 * Lets the routes of this plugin scope take multipart/form-data. Each route states its limits in
 * config.multipart; a route without them answers 415. Temporary files the handler did not take
 * over are removed before the answer is sent (and again after it, or when the client went away).
 * With sinkFor, what the sinks stored is the handler's to keep or remove (sinkFor's owner sweeps
 * what nobody took).
 */
export function registerMultipart(
  scope: FastifyInstance,
  options: {
    csrf: Csrf;
    tempDir?: string;
    /** Streams files into sinks (nothing is written to tempDir); called once per file part with a name. */
    sinkFor?: (req: FastifyRequest, field: string, declaredName: string) => FileSink | Promise<FileSink>;
  },
): void {
  scope.addContentTypeParser('multipart/form-data', async (req: FastifyRequest, payload: Readable) => {
    const limits = req.routeOptions.config.multipart;
    if (!limits) throw new MultipartNotAccepted('this address takes no multipart form');
    const boundary = boundaryOf(req.headers['content-type']);
    if (!boundary) throw new FormParseError('multipart form without a valid boundary');
    const form = await parseMultipart(payload, {
      boundary,
      limits,
      tempDir: options.tempDir,
      sinkFor: options.sinkFor ? (field, name) => options.sinkFor!(req, field, name) : undefined,
      beforeFirstFile: (fields) => {
        const sent = fields[CSRF_FIELD];
        if (!options.csrf.verifyToken(req, Array.isArray(sent) ? sent[0] : sent))
          throw new CsrfError('missing or wrong CSRF token before an uploaded file');
      },
    });
    forms.set(req, form);
    return form.fields;
  });
  // The handler is done by now: files it did not take over are removed before the answer leaves,
  // and a body cut short at its limit was not read to the end, so the connection cannot be reused.
  scope.addHook('onSend', async (req, reply) => {
    if (forms.get(req)?.problem === 'too-large') reply.header('connection', 'close');
    await discardUploads(req);
  });
  scope.addHook('onResponse', async (req) => discardUploads(req));
  scope.addHook('onRequestAbort', async (req) => discardUploads(req));
}
