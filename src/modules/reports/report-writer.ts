/**
 * Durable writes of new reports, with group commit. A report's receipt is shown only after the
 * transaction holding it has committed, so a crash (even kill -9) never loses a report whose
 * receipt someone saw.
 *
 * On SQLite the sealing and the writes run in a worker thread with its own connection
 * (intake-worker.ts): with synchronous=FULL each commit waits for the disk, and sealing costs CPU;
 * doing either on the event loop would stall every public page. While one batch commits, the next
 * fills up, so one fsync serves many reports (group commit). One refused report (a duplicate
 * submission) never takes the others of its batch with it. On PostgreSQL each report is sealed on
 * the event loop and written in an ordinary transaction from the pool; the server does group
 * commit itself.
 */
import { Worker } from 'node:worker_threads';
import { CompiledQuery } from 'kysely';
import type { DatabaseConfig } from '../../config/index.ts';
import type { DatabaseHandle, Db, Dialect } from '../../platform/db/index.ts';
import { Turnstile } from '../../platform/turnstile.ts';
import { insertStatements, type RecordKeys, type ReportInput, sealReport } from './report-record.ts';

export interface WriteOutcome {
  ok: boolean;
  /** The database error code when not ok (SQLITE_CONSTRAINT_UNIQUE, 23505, ...). */
  code?: string;
}

export interface ReportWriter {
  /** Seals the report and writes it in one transaction; resolves once it is durable. */
  write(report: ReportInput): Promise<WriteOutcome>;
  close(): Promise<void>;
}

export function createReportWriter(
  handle: DatabaseHandle,
  config: DatabaseConfig,
  keys: RecordKeys,
): ReportWriter {
  // The handle decides, not the config: tests (and tools) may pass a handle of their own.
  const sqlite = handle.sqlite;
  if (handle.dialect === 'sqlite' && sqlite && !sqlite.memory) {
    const synchronous = config.kind === 'sqlite' ? config.synchronous : 'FULL';
    // The thread starts with the first report: an instance nobody reports to keeps its memory.
    return new LazyWriter(() => {
      // The writer thread checkpoints the WAL (intake-worker.ts). Left to SQLite, a checkpoint
      // runs inside whichever commit finds the WAL long, often one on the event loop, which then
      // waits tens of milliseconds for the disk while every request queues behind it.
      sqlite.pragma('wal_autocheckpoint = 0');
      return new ThreadedSqliteWriter(sqlite.name, synchronous, keys);
    });
  }
  return new TransactionWriter(handle.db, handle.dialect, keys);
}

/** Makes the real writer on the first write. */
class LazyWriter implements ReportWriter {
  private writer: ReportWriter | undefined;
  private closed = false;
  constructor(private readonly make: () => ReportWriter) {}

  write(report: ReportInput): Promise<WriteOutcome> {
    if (this.closed) return Promise.reject(new Error('the report writer is closed'));
    this.writer ??= this.make();
    return this.writer.write(report);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writer?.close();
  }
}

/** One transaction per report on the shared pool (PostgreSQL, and in-memory SQLite). */
class TransactionWriter implements ReportWriter {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
    private readonly keys: RecordKeys,
  ) {}

  async write(report: ReportInput): Promise<WriteOutcome> {
    const statements = insertStatements(report, sealReport(report, this.keys), this.dialect);
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const st of statements) await trx.executeQuery(CompiledQuery.raw(st.sql, st.parameters));
      });
      return { ok: true };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string') return { ok: false, code };
      throw err;
    }
  }

  async close(): Promise<void> {}
}

interface Pending {
  report: ReportInput;
  resolve: (o: WriteOutcome) => void;
  reject: (e: Error) => void;
}

/**
 * The worker runs from the TypeScript sources (tests, `npx vigil`: through thread-boot.mjs,
 * which registers tsx in the thread) or from the bundle (`npm start`: scripts/build.mjs builds
 * dist/intake-worker.mjs beside dist/cli.mjs).
 */
function workerEntry(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? './thread-boot.mjs' : './intake-worker.mjs', import.meta.url);
}

class ThreadedSqliteWriter implements ReportWriter {
  private readonly worker: Worker;
  private queue: Pending[] = [];
  private inFlight: Pending[] | undefined;
  private batchId = 0;
  private closed = false;
  private readonly answers = new Turnstile(4);
  /** At most this many reports per transaction, so one commit never holds the lock for long. */
  private static readonly MAX_BATCH = 256;

  constructor(file: string, synchronous: 'FULL' | 'NORMAL', keys: RecordKeys) {
    this.worker = new Worker(workerEntry(), { workerData: { file, synchronous, keys } });
    this.worker.unref();
    this.worker.on('message', (msg: { id: number; results?: WriteOutcome[]; error?: string }) =>
      this.onDone(msg),
    );
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', () => this.failAll(new Error('the report writer stopped')));
  }

  write(report: ReportInput): Promise<WriteOutcome> {
    if (this.closed) return Promise.reject(new Error('the report writer is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ report, resolve, reject });
      if (!this.inFlight) this.send();
    });
  }

  private send(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, ThreadedSqliteWriter.MAX_BATCH);
    this.inFlight = batch;
    this.worker.ref();
    this.worker.postMessage({ id: ++this.batchId, items: batch.map((p) => p.report) });
  }

  private onDone(msg: { id: number; results?: WriteOutcome[]; error?: string }): void {
    const batch = this.inFlight ?? [];
    this.inFlight = undefined;
    // The next batch goes first, so the thread commits while this one's answers are sent.
    if (this.queue.length > 0) this.send();
    else this.worker.unref();
    // Answering a whole batch at once would hold the event loop for as long as it takes to send
    // them all; a few per turn let other requests in between.
    batch.forEach((p, i) => {
      const r = msg.results?.[i];
      void this.answers.wait().then(() => {
        if (msg.error !== undefined) p.reject(new Error(`report batch failed: ${msg.error}`));
        else p.resolve(r ? { ok: r.ok, ...(r.code ? { code: r.code } : {}) } : { ok: false, code: 'ERROR' });
      });
    });
  }

  private failAll(err: Error): void {
    const all = [...(this.inFlight ?? []), ...this.queue];
    this.inFlight = undefined;
    this.queue = [];
    for (const p of all) p.reject(err);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let the batch in flight and the queued reports commit before the thread stops.
    while (this.inFlight || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.worker.terminate();
  }
}
