/**
 * Durable writes of new reports, with group commit. A report's receipt is shown only after the
 * transaction holding it has committed, so a crash (even kill -9) never loses a report whose
 * receipt someone saw.
 *
 * On SQLite the writes run in a worker thread with its own connection: with synchronous=FULL each
 * commit waits for the disk, and doing that on the event loop would stall every public page. While
 * one batch commits, the next fills up, so one fsync serves many reports (group commit). One
 * refused report (a duplicate submission) never takes the others of its batch with it: the batch
 * is then run again with a savepoint per report. On PostgreSQL each report is an ordinary transaction from the
 * pool; the server does group commit itself.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { CompiledQuery } from 'kysely';
import type { DatabaseConfig } from '../../config/index.ts';
import type { DatabaseHandle, Db } from '../../platform/db/index.ts';

export interface WriteOutcome {
  ok: boolean;
  /** The database error code when not ok (SQLITE_CONSTRAINT_UNIQUE, 23505, ...). */
  code?: string;
}

export interface ReportWriter {
  /** Runs the queries in one transaction; resolves once it is durable. */
  write(queries: CompiledQuery[]): Promise<WriteOutcome>;
  close(): Promise<void>;
}

export function createReportWriter(handle: DatabaseHandle, config: DatabaseConfig): ReportWriter {
  // The handle decides, not the config: tests (and tools) may pass a handle of their own.
  const sqlite = handle.sqlite;
  if (handle.dialect === 'sqlite' && sqlite && !sqlite.memory) {
    return new ThreadedSqliteWriter(sqlite.name, config.kind === 'sqlite' ? config.synchronous : 'FULL');
  }
  return new TransactionWriter(handle.db);
}

/** One transaction per report on the shared pool (PostgreSQL, and in-memory SQLite). */
class TransactionWriter implements ReportWriter {
  constructor(private readonly db: Db) {}

  async write(queries: CompiledQuery[]): Promise<WriteOutcome> {
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const q of queries) await trx.executeQuery(q);
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

// The worker's source: plain JavaScript run with eval, so it works the same from the TypeScript
// sources (tests, tsx) and from the esbuild bundle (npm start) without a second entry point.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
const statements = new Map();
function prepare(sql) {
  let s = statements.get(sql);
  if (!s) { s = db.prepare(sql); statements.set(sql, s); if (statements.size > 200) statements.clear(); }
  return s;
}
function param(p) {
  return p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p;
}
function runItem(item) {
  for (const q of item) {
    const s = prepare(q.sql);
    const params = q.parameters.map(param);
    if (s.reader) s.all(...params); else s.run(...params);
  }
}
// The fast path runs the whole batch in one transaction. If any report fails (a repeated
// submission losing its race), the batch is rolled back and run again with a savepoint per
// report, so only that report is refused.
function runBatch(items) {
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const item of items) runItem(item);
    db.exec('COMMIT');
    return items.map(() => ({ ok: true }));
  } catch {
    db.exec('ROLLBACK');
  }
  const results = [];
  db.exec('BEGIN IMMEDIATE');
  for (const item of items) {
    db.exec('SAVEPOINT report');
    try {
      runItem(item);
      db.exec('RELEASE report');
      results.push({ ok: true });
    } catch (err) {
      db.exec('ROLLBACK TO report');
      db.exec('RELEASE report');
      results.push({ ok: false, code: String((err && err.code) || 'ERROR') });
    }
  }
  db.exec('COMMIT');
  return results;
}
parentPort.on('message', (batch) => {
  try {
    parentPort.postMessage({ id: batch.id, results: runBatch(batch.items) });
  } catch (err) {
    try { db.exec('ROLLBACK'); } catch {}
    parentPort.postMessage({ id: batch.id, error: String((err && err.message) || err) });
  }
});
`;

interface Pending {
  queries: { sql: string; parameters: readonly unknown[] }[];
  resolve: (o: WriteOutcome) => void;
  reject: (e: Error) => void;
}

class ThreadedSqliteWriter implements ReportWriter {
  private readonly worker: Worker;
  private queue: Pending[] = [];
  private inFlight: Pending[] | undefined;
  private batchId = 0;
  private closed = false;
  /** At most this many reports per transaction, so one commit never holds the lock for long. */
  private static readonly MAX_BATCH = 256;

  constructor(file: string, synchronous: 'FULL' | 'NORMAL') {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, synchronous, driver } });
    this.worker.unref();
    this.worker.on('message', (msg: { id: number; results?: WriteOutcome[]; error?: string }) =>
      this.onDone(msg),
    );
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', () => this.failAll(new Error('the report writer stopped')));
  }

  write(queries: CompiledQuery[]): Promise<WriteOutcome> {
    if (this.closed) return Promise.reject(new Error('the report writer is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        queries: queries.map((q) => ({ sql: q.sql, parameters: q.parameters })),
        resolve,
        reject,
      });
      if (!this.inFlight) this.send();
    });
  }

  private send(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, ThreadedSqliteWriter.MAX_BATCH);
    this.inFlight = batch;
    this.worker.ref();
    this.worker.postMessage({ id: ++this.batchId, items: batch.map((p) => p.queries) });
  }

  private onDone(msg: { id: number; results?: WriteOutcome[]; error?: string }): void {
    const batch = this.inFlight ?? [];
    this.inFlight = undefined;
    if (msg.error !== undefined) {
      for (const p of batch) p.reject(new Error(`report batch failed: ${msg.error}`));
    } else {
      batch.forEach((p, i) => {
        const r = msg.results?.[i];
        p.resolve(r ? { ok: r.ok, ...(r.code ? { code: r.code } : {}) } : { ok: false, code: 'ERROR' });
      });
    }
    if (this.queue.length > 0) this.send();
    else this.worker.unref();
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
