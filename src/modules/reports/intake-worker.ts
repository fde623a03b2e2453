/**
 * The report writer's thread on SQLite (report-writer.ts): it owns a second connection, seals each
 * report (report-record.ts) and writes a batch of them in one transaction, so the event loop only
 * parses and checks while the sealing and the disk wait happen here. A batch that fails (a
 * repeated submission losing its race) is run again with a savepoint per report, so only that
 * report is refused.
 */
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { insertStatements, type RecordKeys, type ReportInput, sealReport } from './report-record.ts';

interface Init {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  keys: { receipt: Uint8Array; linking: Uint8Array; reporter: Uint8Array };
}

const init = workerData as Init;
const toBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const keys: RecordKeys = {
  receipt: toBuffer(init.keys.receipt),
  linking: toBuffer(init.keys.linking),
  reporter: toBuffer(init.keys.reporter),
};
const db = new SqliteDatabase(init.file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${init.synchronous}`);
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');

// This thread checkpoints the WAL for the whole process: the event loop's connection has automatic
// checkpoints turned off (report-writer.ts), and a checkpoint here waits for the disk off the loop.
// PASSIVE never blocks readers or writers; it copies what it can and tries again next time.
const CHECKPOINT_EVERY_MS = 1_000;
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or interrupted: the next round catches up.
  }
}, CHECKPOINT_EVERY_MS);

const statements = new Map<string, SqliteDatabase.Statement>();
function prepare(sql: string): SqliteDatabase.Statement {
  let s = statements.get(sql);
  if (!s) {
    if (statements.size > 200) statements.clear();
    s = db.prepare(sql);
    statements.set(sql, s);
  }
  return s;
}

function writeOne(r: ReportInput): void {
  for (const st of insertStatements(r, sealReport(r, keys), 'sqlite')) prepare(st.sql).run(...st.parameters);
}

function runBatch(items: ReportInput[]): { ok: boolean; code?: string }[] {
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const r of items) writeOne(r);
    db.exec('COMMIT');
    return items.map(() => ({ ok: true }));
  } catch {
    db.exec('ROLLBACK');
  }
  const results: { ok: boolean; code?: string }[] = [];
  db.exec('BEGIN IMMEDIATE');
  for (const r of items) {
    db.exec('SAVEPOINT report');
    try {
      writeOne(r);
      db.exec('RELEASE report');
      results.push({ ok: true });
    } catch (err) {
      db.exec('ROLLBACK TO report');
      db.exec('RELEASE report');
      results.push({ ok: false, code: String((err as { code?: unknown }).code ?? 'ERROR') });
    }
  }
  db.exec('COMMIT');
  return results;
}

parentPort?.on('message', (batch: { id: number; items: ReportInput[] }) => {
  try {
    parentPort?.postMessage({ id: batch.id, results: runBatch(batch.items) });
  } catch (err) {
    try {
      db.exec('ROLLBACK');
    } catch {}
    parentPort?.postMessage({ id: batch.id, error: String((err as Error)?.message ?? err) });
  }
});
