import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { CLEANUP_JOB, createWorker } from '../../src/background.ts';
import type { DatabaseHandle } from '../../src/platform/db/index.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { Throttle } from '../../src/platform/http/throttle.ts';
import { JobQueue } from '../../src/platform/jobs/queue.ts';
import { Scheduler } from '../../src/platform/jobs/scheduler.ts';
import { Worker } from '../../src/platform/jobs/worker.ts';
import { createStaff, createTestApp, signIn, TestClock } from '../helpers/app.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../helpers/databases.ts';

const DAY = 86_400_000;

/** A logger that keeps what the worker says, so tests can check retries and parking were reported. */
function recordingLog() {
  const lines: { level: string; obj: unknown; msg: unknown }[] = [];
  const at =
    (level: string) =>
    (obj: unknown, msg?: unknown): void => {
      lines.push({ level, obj, msg });
    };
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

for (const dialect of await dialects()) {
  describe(`jobs and scheduler (${dialect})`, () => {
    let tdb: TestDatabase;
    let other: DatabaseHandle;
    before(async () => {
      tdb = await createTestDatabase(dialect);
      await migrateToLatest(tdb.handle.db);
      other = tdb.openAnother();
    });
    after(async () => {
      await other.close();
      await tdb.drop();
    });

    const jobRow = (id: number) =>
      tdb.handle.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    it('two workers on separate connections never run the same job', async () => {
      const kind = 'test.record';
      const seed = new JobQueue(tdb.handle.db, dialect);
      const ids: number[] = [];
      for (let i = 0; i < 200; i++) ids.push(await seed.enqueue(kind, { n: i }));

      const runs: { id: number; worker: string; n: number }[] = [];
      const { log } = recordingLog();
      const workers = [
        new Worker(new JobQueue(tdb.handle.db, dialect), undefined, log, { id: 'worker-a', batch: 5 }),
        new Worker(new JobQueue(other.db, dialect), undefined, log, { id: 'worker-b', batch: 5 }),
      ];
      for (const w of workers) {
        w.register(kind, async (payload, job) => {
          runs.push({ id: job.id, worker: w.id, n: (payload as { n: number }).n });
          await delay(1);
        });
      }
      for (let round = 0; round < 10 && runs.length < ids.length; round++) {
        await Promise.all(workers.map((w) => w.runOnce()));
      }

      assert.equal(runs.length, 200, 'every job ran, and none twice');
      const perJob = new Map<number, number>();
      for (const r of runs) perJob.set(r.id, (perJob.get(r.id) ?? 0) + 1);
      assert.deepEqual(
        [...perJob.keys()].sort((a, b) => a - b),
        ids,
      );
      assert.ok(
        [...perJob.values()].every((n) => n === 1),
        'no job ran twice',
      );
      for (const r of runs) assert.equal(r.n, ids.indexOf(r.id), 'each handler got its own payload');
      const byWorker = new Map<string, number>();
      for (const r of runs) byWorker.set(r.worker, (byWorker.get(r.worker) ?? 0) + 1);
      if (dialect === 'postgres') {
        assert.ok((byWorker.get('worker-a') ?? 0) > 0, `worker-a ran jobs: ${JSON.stringify([...byWorker])}`);
        assert.ok((byWorker.get('worker-b') ?? 0) > 0, `worker-b ran jobs: ${JSON.stringify([...byWorker])}`);
      }

      const rows = await tdb.handle.db.selectFrom('jobs').selectAll().where('kind', '=', kind).execute();
      assert.equal(rows.length, 200);
      for (const row of rows) {
        assert.equal(row.status, 'done');
        assert.equal(row.attempts, 1, 'claimed once');
        assert.equal(row.locked_by, null);
        assert.equal(row.locked_until, null);
      }
    });

    it('retries a failing job with exponential back-off, then parks it with its error', async () => {
      const kind = 'test.fail';
      const clock = new TestClock();
      const queue = new JobQueue(tdb.handle.db, dialect, clock.now);
      const { lines, log } = recordingLog();
      const base = 1000;
      const worker = new Worker(queue, undefined, log, { id: 'worker-fail', backoffMs: base });
      let calls = 0;
      worker.register(kind, async () => {
        calls++;
        throw new Error(`boom ${calls}`);
      });
      const id = await queue.enqueue(kind, { x: 1 }, { maxAttempts: 4 });
      assert.equal((await jobRow(id)).status, 'queued');

      const runAts: number[] = [];
      for (let attempt = 1; attempt <= 4; attempt++) {
        const ranAt = clock.ms;
        assert.equal(await worker.runOnce(), 1, `attempt ${attempt} ran`);
        const row = await jobRow(id);
        assert.equal(row.attempts, attempt);
        assert.equal(row.last_error, `boom ${attempt}`);
        assert.equal(row.locked_by, null);
        if (attempt < 4) {
          assert.equal(row.status, 'queued', `back in the queue after attempt ${attempt}`);
          assert.equal(row.run_at, ranAt + base * 2 ** (attempt - 1), `back-off after attempt ${attempt}`);
          runAts.push(row.run_at);
          clock.ms = row.run_at - 1;
          assert.equal(await worker.runOnce(), 0, 'not retried before its back-off ends');
          clock.ms = row.run_at;
        } else {
          assert.equal(row.status, 'parked', 'parked once its attempts ran out');
        }
      }
      assert.deepEqual(
        runAts.map((r, i) => r - (i === 0 ? 0 : runAts[i - 1]!)).slice(1),
        [2 * base, 4 * base],
        'each delay doubles',
      );
      assert.equal(calls, 4);
      assert.deepEqual(
        lines.filter((l) => l.level !== 'info').map((l) => [l.level, (l.obj as { outcome: string }).outcome]),
        [
          ['warn', 'retry'],
          ['warn', 'retry'],
          ['warn', 'retry'],
          ['error', 'parked'],
        ],
      );
      assert.doesNotMatch(JSON.stringify(lines), /"x":1/, 'the payload is never logged');

      clock.advance(365 * DAY);
      assert.equal(await worker.runOnce(), 0, 'a parked job is never claimed again');
      assert.deepEqual(await queue.claim('someone-else', 100, 60_000), []);
      assert.equal(calls, 4);
      const parked = await jobRow(id);
      assert.equal(parked.status, 'parked');
      assert.equal(parked.last_error, 'boom 4');
    });

    it('a job whose worker died mid-run is claimed again once its lease runs out', async () => {
      const kind = 'test.lease';
      const clock = new TestClock();
      const lease = 60_000;
      const dying = new JobQueue(tdb.handle.db, dialect, clock.now);
      const id = await dying.enqueue(kind, { y: 2 });
      const [claimed, ...more] = await dying.claim('worker-dead', 10, lease);
      assert.equal(more.length, 0);
      assert.equal(claimed!.id, id);
      assert.equal(claimed!.attempts, 1);
      const held = await jobRow(id);
      assert.equal(held.status, 'running');
      assert.equal(held.locked_by, 'worker-dead');
      assert.equal(held.locked_until, clock.ms + lease);

      const { log } = recordingLog();
      const rescuer = new Worker(new JobQueue(other.db, dialect, clock.now), undefined, log, {
        id: 'worker-rescue',
        leaseMs: lease,
      });
      const seen: { payload: unknown; attempts: number }[] = [];
      rescuer.register(kind, async (payload, job) => {
        seen.push({ payload, attempts: job.attempts });
      });
      clock.advance(lease);
      assert.equal(await rescuer.runOnce(), 0, 'not taken while the lease holds');
      clock.advance(1);
      assert.equal(await rescuer.runOnce(), 1, 'taken once the lease ran out');
      assert.deepEqual(seen, [{ payload: { y: 2 }, attempts: 2 }]);
      const done = await jobRow(id);
      assert.equal(done.status, 'done');
      assert.equal(done.locked_by, null);

      // The dead worker waking up late must not undo the other worker's result.
      await dying.complete(id, 'worker-dead');
      assert.equal(
        await dying.fail(claimed!, 'worker-dead', 'late failure', 1000),
        'lost',
        'the late worker learns it lost the job',
      );
      const late = await jobRow(id);
      assert.equal(late.status, 'done');
      assert.equal(late.last_error, null);
      assert.equal(late.attempts, 2);
      clock.advance(10 * lease);
      assert.equal(await rescuer.runOnce(), 0, 'a finished job is not run again');
    });

    it('parks a job whose worker keeps dying instead of taking it again forever', async () => {
      const kind = 'test.crasher';
      const clock = new TestClock();
      const queue = new JobQueue(tdb.handle.db, dialect, clock.now);
      const id = await queue.enqueue(kind, {}, { maxAttempts: 2 });
      for (let attempt = 1; attempt <= 2; attempt++) {
        const [job] = await queue.claim(`dies-${attempt}`, 10, 1000);
        assert.equal(job?.id, id, `attempt ${attempt} claims it`);
        clock.advance(1001); // the worker died: its lease runs out
      }
      assert.deepEqual(await queue.claim('next', 10, 1000), [], 'not claimed a third time');
      const row = await jobRow(id);
      assert.equal(row.status, 'parked');
      assert.match(row.last_error ?? '', /lease expired/);
    });

    it('two schedulers ticking at once enqueue a due schedule exactly once', async () => {
      const kind = 'test.tick';
      const clock = new TestClock();
      const interval = 60_000;
      const definition = { name: 'every-minute', kind, intervalMs: interval, payload: { a: 1 } };
      // PostgreSQL: two processes (two pools). SQLite has one writer per database file, so Vigil runs
      // one process on it; two schedulers there share its connection, as web and worker roles do.
      const second = dialect === 'postgres' ? other.db : tdb.handle.db;
      const schedulers = [tdb.handle.db, second].map(
        (db) => new Scheduler(db, new JobQueue(db, dialect, clock.now), clock.now),
      );
      await Promise.all(schedulers.map((s) => s.define([definition])));
      const schedule = () =>
        tdb.handle.db
          .selectFrom('schedules')
          .selectAll()
          .where('name', '=', definition.name)
          .executeTakeFirstOrThrow();
      const countJobs = async () =>
        (await tdb.handle.db.selectFrom('jobs').select('id').where('kind', '=', kind).execute()).length;
      const start = clock.ms;
      assert.equal((await schedule()).next_run_at, start + interval, 'first run one interval from now');

      assert.deepEqual(await Promise.all(schedulers.map((s) => s.tick())), [[], []], 'nothing due yet');
      assert.equal(await countJobs(), 0);

      const rounds = 20;
      for (let round = 1; round <= rounds; round++) {
        clock.advance(interval);
        const due = (await schedule()).next_run_at;
        assert.equal(due, clock.ms, `round ${round}: due now`);
        const results = await Promise.all(schedulers.map((s) => s.tick()));
        assert.deepEqual(results.flat(), [definition.name], `round ${round}: exactly one scheduler enqueued`);
        assert.equal((await schedule()).next_run_at, due + interval, 'advanced by the interval');
        assert.equal(await countJobs(), round);
        assert.deepEqual(
          await Promise.all(schedulers.map((s) => s.tick())),
          [[], []],
          'not again this round',
        );
      }

      // Redefining (every process does at start-up) keeps the next run time.
      const next = (await schedule()).next_run_at;
      clock.advance(interval / 2);
      await schedulers[1]!.define([{ ...definition, intervalMs: 2 * interval }]);
      const redefined = await schedule();
      assert.equal(redefined.next_run_at, next);
      assert.equal(redefined.interval_ms, 2 * interval);

      const jobs = await tdb.handle.db.selectFrom('jobs').selectAll().where('kind', '=', kind).execute();
      for (const job of jobs) {
        assert.equal(job.status, 'queued');
        assert.equal(job.payload, JSON.stringify({ a: 1 }));
        assert.equal(job.max_attempts, 3);
      }
    });
  });

  describe(`clean-up job (${dialect})`, () => {
    it('deletes expired and idle sessions, stale throttles and old finished jobs, and keeps live ones', async () => {
      const t = await createTestApp(dialect);
      try {
        const ctx = t.app.vigil;
        const db = t.db.handle.db;
        const keys = new Throttle(db, ctx.keys.throttle, {
          freeFailures: 5,
          windowMs: 1,
          baseBlockMs: 1,
          maxBlockMs: 1,
        });
        const staff = await createStaff(t, 'cleanup.editor', ['editor']);
        const signInFailure = async (username: string) => {
          const c = t.client();
          await c.get('/admin/sign-in');
          const r = await c.postForm('/admin/sign-in', { username, password: 'not the password at all' });
          assert.equal(r.statusCode, 401);
        };

        await signInFailure('ghost-one');
        const idle = await signIn(t, staff);
        const idleSessions = await db.selectFrom('sessions').select('id').execute();
        assert.equal(idleSessions.length, 1);
        t.clock.advance(t.config.sessionIdleMs + 1000);

        const live = await signIn(t, staff);
        await signInFailure('ghost-two');
        const liveSession = (await db.selectFrom('sessions').select('id').execute()).find(
          (s) => s.id !== idleSessions[0]!.id,
        );
        assert.ok(liveSession);
        // A session kept busy until its absolute end: recently seen, but past its expiry.
        const template = await db
          .selectFrom('sessions')
          .selectAll()
          .where('id', '=', liveSession.id)
          .executeTakeFirstOrThrow();
        await db
          .insertInto('sessions')
          .values({
            ...template,
            id: 'f'.repeat(64),
            created_at: t.clock.ms - t.config.sessionAbsoluteMs - 1000,
            last_seen_at: t.clock.ms - 1000,
            expires_at: t.clock.ms - 1000,
          })
          .execute();
        const now = t.clock.ms;
        const doneJob = (age: number) =>
          db
            .insertInto('jobs')
            .values({
              kind: 'test.old',
              payload: '{}',
              status: 'done',
              run_at: now - age,
              attempts: 1,
              max_attempts: 5,
              created_at: now - age,
              updated_at: now - age,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
        const oldJob = await doneJob(8 * DAY);
        const recentJob = await doneJob(DAY);
        assert.equal((await db.selectFrom('sessions').select('id').execute()).length, 3);
        assert.equal((await db.selectFrom('throttles').select('key').execute()).length, 2);

        const worker = await createWorker(ctx, t.app.accounts, t.app.log, { id: 'cleanup-worker' });
        assert.equal(await worker.runOnce(), 0, 'the clean-up is not due at start');
        t.clock.advance(10 * 60_000);
        // Other features' schedules (publishing due posts, every minute) may run in the same round.
        assert.ok((await worker.runOnce()) >= 1, 'the schedule enqueued the clean-up and it ran');

        const cleanup = await db.selectFrom('jobs').selectAll().where('kind', '=', CLEANUP_JOB).execute();
        assert.equal(cleanup.length, 1);
        assert.equal(cleanup[0]!.status, 'done');
        assert.equal(cleanup[0]!.last_error, null);

        const sessions = (await db.selectFrom('sessions').select('id').execute()).map((s) => s.id);
        assert.deepEqual(sessions, [liveSession.id], 'only the live session is left');
        const throttles = (await db.selectFrom('throttles').select('key').execute()).map((r) => r.key);
        assert.deepEqual(
          throttles,
          [keys.keyFor('signin', 'ghost-two')],
          'only the current throttle is left',
        );
        const oldJobs = (
          await db.selectFrom('jobs').select('id').where('kind', '=', 'test.old').execute()
        ).map((j) => j.id);
        assert.deepEqual(oldJobs, [recentJob.id], `job ${oldJob.id} was pruned`);
        assert.match(t.logs(), /"sessions":2,"throttles":1,[^\n]*"jobs":1[^\n]*clean-up done/);

        assert.equal((await live.get('/admin')).statusCode, 200, 'the live session still works');
        assert.equal((await idle.get('/admin')).statusCode, 303, 'the idle one is gone');
      } finally {
        await t.close();
      }
    });
  });
}
