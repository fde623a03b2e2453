/**
 * Hands reporters' files to a writer thread (file-writer-worker.ts) that seals and writes them:
 * AES-GCM and the file system calls for 250 MB a second would otherwise take most of the event
 * loop. Bytes cross by copy, at most IN_FLIGHT_BYTES per file ahead of the disk, so memory stays
 * flat however large the file.
 */
import { Worker } from 'node:worker_threads';

const IN_FLIGHT_BYTES = 512 * 1024;
/** Bytes gathered into one message: each message costs the event loop, whatever its size. */
const MESSAGE_BYTES = 256 * 1024;

interface Pending {
  /** Bytes gathered for the next message, in a buffer of their own (transferred, never copied again). */
  gather: Buffer | undefined;
  gathered: number;
  inFlight: number;
  drained: (() => void) | undefined;
  done: { resolve: (stored: number) => void; reject: (e: Error) => void } | undefined;
  failed: Error | undefined;
}

function workerEntry(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  // The same boot as the report writer's thread (see report-writer.ts).
  return fromSource
    ? new URL('./thread-boot.mjs', import.meta.url)
    : new URL('./file-writer-worker.mjs', import.meta.url);
}

export class FileWriterThread {
  private worker: Worker | undefined;
  private readonly files = new Map<string, Pending>();

  private thread(): Worker {
    if (!this.worker) {
      const url = workerEntry();
      const fromSource = url.pathname.endsWith('boot.mjs');
      this.worker = new Worker(url, fromSource ? { workerData: { entry: './file-writer-worker.ts' } } : {});
      this.worker.unref();
      this.worker.on(
        'message',
        (m: { op: string; id: string; bytes?: number; stored?: number; error?: string }) => this.onMessage(m),
      );
      this.worker.on('error', (err) => this.failAll(err));
      this.worker.on('exit', () => {
        this.worker = undefined;
        this.failAll(new Error('the file writer stopped'));
      });
    }
    return this.worker;
  }

  open(id: string, temp: string, final: string, key: Buffer): void {
    this.files.set(id, {
      gather: undefined,
      gathered: 0,
      inFlight: 0,
      drained: undefined,
      done: undefined,
      failed: undefined,
    });
    const w = this.thread();
    w.ref();
    w.postMessage({ op: 'open', id, temp, final, key });
  }

  /** Sends bytes (copied once); resolves once at most IN_FLIGHT_BYTES of this file are unwritten. */
  async write(id: string, bytes: Buffer): Promise<void> {
    const f = this.files.get(id);
    if (!f) throw new Error('file not open');
    if (f.failed) throw f.failed;
    let offset = 0;
    while (offset < bytes.length) {
      f.gather ??= Buffer.allocUnsafeSlow(MESSAGE_BYTES);
      const n = bytes.copy(f.gather, f.gathered, offset);
      f.gathered += n;
      offset += n;
      if (f.gathered === MESSAGE_BYTES) this.send(id, f);
    }
    if (f.inFlight > IN_FLIGHT_BYTES) await new Promise<void>((resolve) => (f.drained = resolve));
    if (f.failed) throw f.failed;
  }

  private send(id: string, f: Pending): void {
    if (!f.gather || f.gathered === 0) return;
    const bytes = f.gathered === f.gather.length ? f.gather : f.gather.subarray(0, f.gathered);
    f.inFlight += f.gathered;
    f.gather = undefined;
    f.gathered = 0;
    // The buffer is this file's own (allocUnsafeSlow): handing it over moves it without a copy.
    this.thread().postMessage({ op: 'data', id, bytes }, [bytes.buffer as ArrayBuffer]);
  }

  /** Seals the last frame, makes the file durable and renames it into place; the sealed size. */
  finish(id: string): Promise<number> {
    const f = this.files.get(id);
    if (!f) return Promise.reject(new Error('file not open'));
    if (f.failed) return Promise.reject(f.failed);
    this.send(id, f);
    return new Promise((resolve, reject) => {
      f.done = { resolve, reject };
      this.thread().postMessage({ op: 'finish', id });
    });
  }

  abort(id: string): Promise<void> {
    const f = this.files.get(id);
    if (!f) return Promise.resolve();
    return new Promise((resolve) => {
      f.done = { resolve: () => resolve(), reject: () => resolve() };
      this.thread().postMessage({ op: 'abort', id });
    });
  }

  private onMessage(m: { op: string; id: string; bytes?: number; stored?: number; error?: string }): void {
    const f = this.files.get(m.id);
    if (!f) return;
    if (m.op === 'written') {
      f.inFlight -= m.bytes ?? 0;
      if (f.inFlight <= IN_FLIGHT_BYTES && f.drained) {
        const d = f.drained;
        f.drained = undefined;
        d();
      }
      return;
    }
    this.files.delete(m.id);
    if (this.files.size === 0) this.worker?.unref();
    if (m.op === 'finished') f.done?.resolve(m.stored ?? 0);
    else if (m.op === 'aborted') f.done?.resolve(0);
    else {
      const err = new Error(`writing a file failed: ${m.error ?? 'unknown'}`);
      f.failed = err;
      f.drained?.();
      f.done?.reject(err);
    }
  }

  private failAll(err: Error): void {
    for (const f of this.files.values()) {
      f.failed = err;
      f.drained?.();
      f.done?.reject(err);
    }
    this.files.clear();
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
