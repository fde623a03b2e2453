/**
 * kill -9 while reports pour in: every report whose receipt reached a client must be there after
 * the crash, readable with that receipt, and the database must open and take reports again. The
 * server is the real `vigil serve` process on SQLite with synchronous=FULL (the embedded default),
 * fed through the JSON intake API by concurrent clients.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadInstanceKey, open, receiptSecrets, subKey } from '../../src/platform/crypto/index.ts';
import { openDatabase } from '../../src/platform/db/index.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { insertReportChannel } from '../helpers/reports.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function request(
  port: number,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function startServer(dataDir: string, port: number): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VIGIL_DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    VIGIL_SQLITE_SYNCHRONOUS: 'FULL',
    VIGIL_REPORT_POW_BITS: '0',
    VIGIL_REPORT_RATE_PER_SECOND: '100000',
    VIGIL_REPORT_RATE_BURST: '100000',
  };
  delete env.DATABASE_URL;
  delete env.VIGIL_SECRET_KEY;
  return spawn(process.execPath, [path.join(ROOT, 'bin/vigil.js'), 'serve'], {
    cwd: ROOT,
    env,
    stdio: 'ignore',
  });
}

async function waitForHealth(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await request(port, 'GET', '/healthz')).status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not start');
}

interface Shown {
  receiptCode: string;
  marker: string;
}

describe('intake survives kill -9 (sqlite, synchronous=FULL)', () => {
  let dataDir: string;
  let server: ChildProcess | undefined;
  let questionnaireId: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-crash-'));
    const handle = openDatabase({
      kind: 'sqlite',
      file: path.join(dataDir, 'vigil.sqlite'),
      synchronous: 'FULL',
    });
    await migrateToLatest(handle.db);
    questionnaireId = (await insertReportChannel(handle.db, Date.now(), undefined)).questionnaireId;
    await handle.close();
  });
  after(() => {
    server?.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function submit(port: number, marker: string): Promise<Shown | undefined> {
    const challenge = await request(port, 'GET', '/api/v1/challenge');
    if (challenge.status !== 200) return undefined;
    const res = await request(
      port,
      'POST',
      '/api/v1/reports',
      {
        questionnaire: questionnaireId,
        answers: { summary: marker, details: `details of ${marker}`, kind: 'in-person' },
        identity: { mode: 'anonymous' },
        lang: 'en',
        pow: { challenge: challenge.json.challenge, nonce: '0' },
      },
      { 'idempotency-key': crypto.randomBytes(18).toString('base64url') },
    );
    if (res.status !== 201) {
      if (res.status >= 400 && res.status !== 503)
        throw new Error(`intake answered ${res.status}: ${JSON.stringify(res.json)}`);
      return undefined;
    }
    return { receiptCode: String(res.json.receiptCode), marker };
  }

  it('keeps every report whose receipt was shown', async () => {
    const port = await freePort();
    server = startServer(dataDir, port);
    await waitForHealth(port);

    const shown: Shown[] = [];
    let stop = false;
    let sent = 0;
    const client = async () => {
      while (!stop) {
        const marker = `crash-marker-${sent++}-${crypto.randomBytes(4).toString('hex')}`;
        try {
          const s = await submit(port, marker);
          // Only a receipt that reached us counts as shown; answers cut off by the kill do not.
          if (s) shown.push(s);
        } catch (err) {
          if (!stop) throw err;
        }
      }
    };
    const clients = Array.from({ length: 16 }, client);
    // Let reports pour in, then pull the plug in the middle of it.
    const deadline = Date.now() + 20_000;
    while (shown.length < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    server.kill('SIGKILL');
    stop = true;
    await Promise.allSettled(clients);
    const killed = server;
    if (killed.exitCode === null && killed.signalCode === null)
      await new Promise((r) => killed.once('exit', r));
    assert.ok(
      shown.length >= 100,
      `reports were flowing when the server was killed (${shown.length} receipts)`,
    );

    // Every shown receipt opens its report after the crash.
    const handle = openDatabase({
      kind: 'sqlite',
      file: path.join(dataDir, 'vigil.sqlite'),
      synchronous: 'FULL',
    });
    const receiptKey = subKey(loadInstanceKey(undefined, dataDir), 'receipt');
    let missing = 0;
    for (const s of shown) {
      const secrets = receiptSecrets(receiptKey, s.receiptCode);
      const row = await handle.db
        .selectFrom('reports')
        .select(['id', 'receipt_wrapped_key', 'sealed_answers'])
        .where('receipt_lookup', '=', secrets.lookup)
        .executeTakeFirst();
      if (!row) {
        missing++;
        continue;
      }
      const key = open(
        secrets.wrapKey,
        Buffer.from(row.receipt_wrapped_key as Buffer),
        `report/${row.id}/receipt`,
      );
      const body = JSON.parse(
        open(key, Buffer.from(row.sealed_answers), `report/${row.id}/answers`).toString(),
      );
      assert.equal(body.answers.summary, s.marker);
    }
    assert.equal(missing, 0, `${missing} of ${shown.length} reports with a shown receipt were lost`);
    const integrity = handle.sqlite?.pragma('integrity_check', { simple: true });
    assert.equal(integrity, 'ok');
    await handle.close();

    // The instance starts again on the same files and takes reports.
    const again = await freePort();
    server = startServer(dataDir, again);
    await waitForHealth(again);
    const after = await submit(again, 'after-the-crash');
    assert.ok(after?.receiptCode, 'a report is taken after the restart');
    server.kill('SIGKILL');
  });
});
