/**
 * The attachment writer's thread (file-writer.ts): it seals reporters' files frame by frame and
 * writes them, so the event loop only receives, checks and strips them. Each file is written under
 * its temporary name, fsynced, renamed into place and its folder fsynced before it is reported
 * finished: durable before the report that names it is committed. The fsyncs run on the thread
 * pool, so one slow disk flush never holds up the other files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { SealedFileWriter } from '../../platform/crypto/envelope.ts';

type Message =
  | { op: 'open'; id: string; temp: string; final: string; key: Uint8Array }
  | { op: 'data'; id: string; bytes: Uint8Array }
  | { op: 'finish'; id: string }
  | { op: 'abort'; id: string };

interface OpenFile {
  fd: number;
  writer: SealedFileWriter;
  temp: string;
  final: string;
  stored: number;
}

const files = new Map<string, OpenFile>();
const post = (m: unknown) => parentPort?.postMessage(m);
const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function writeAll(f: OpenFile, parts: Buffer[]): void {
  let remaining = parts.filter((p) => p.length > 0);
  while (remaining.length > 0) {
    let written = fs.writevSync(f.fd, remaining);
    f.stored += written;
    while (remaining.length > 0 && written >= (remaining[0] as Buffer).length) {
      written -= (remaining[0] as Buffer).length;
      remaining = remaining.slice(1);
    }
    if (written > 0 && remaining.length > 0) remaining[0] = (remaining[0] as Buffer).subarray(written);
  }
}

const fsync = (fd: number) =>
  new Promise<void>((resolve, reject) => fs.fsync(fd, (e) => (e ? reject(e) : resolve())));

async function finish(id: string, f: OpenFile): Promise<void> {
  writeAll(f, f.writer.finish());
  await fsync(f.fd);
  fs.closeSync(f.fd);
  fs.renameSync(f.temp, f.final);
  const dir = fs.openSync(path.dirname(f.final), 'r');
  try {
    await fsync(dir);
  } finally {
    fs.closeSync(dir);
  }
  files.delete(id);
  post({ op: 'finished', id, stored: f.stored });
}

function drop(id: string): void {
  const f = files.get(id);
  files.delete(id);
  if (!f) return;
  try {
    fs.closeSync(f.fd);
  } catch {}
  fs.rmSync(f.temp, { force: true });
}

parentPort?.on('message', (m: Message) => {
  try {
    if (m.op === 'open') {
      const fd = fs.openSync(m.temp, 'wx', 0o600);
      files.set(m.id, {
        fd,
        writer: new SealedFileWriter(buf(m.key), m.id),
        temp: m.temp,
        final: m.final,
        stored: 0,
      });
      return;
    }
    const f = files.get(m.id);
    if (m.op === 'abort') {
      drop(m.id);
      post({ op: 'aborted', id: m.id });
      return;
    }
    if (!f) throw new Error('no such file open');
    if (m.op === 'data') {
      writeAll(f, f.writer.push(buf(m.bytes)));
      post({ op: 'written', id: m.id, bytes: m.bytes.byteLength });
    } else {
      finish(m.id, f).catch((err: unknown) => {
        drop(m.id);
        post({ op: 'failed', id: m.id, error: String((err as Error)?.message ?? err) });
      });
    }
  } catch (err) {
    drop(m.id);
    post({ op: 'failed', id: m.id, error: String((err as Error)?.message ?? err) });
  }
});
