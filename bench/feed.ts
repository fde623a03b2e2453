/**
 * Figure: a feed of the latest 50 items out of 10,000 published posts, generated cold in under
 * 100 ms, then served from cache. On SQLite (a fresh file) and on PostgreSQL when it answers.
 *
 * For each database: insert 10,000 published posts (both languages, tags, ~1.5 KB of HTML each),
 * ANALYZE, check that the feed query reads the posts_live index (EXPLAIN), then
 *   cold:   empty the feed cache and GET a feed (app.inject: routing, query, rendering, hashing);
 *           the first request of the process, then 20 more per kind of feed (all languages, one
 *           language, one tag; RSS, Atom, JSON Feed)
 *   cached: the same feed from the cache, in process (app.inject, µs per request) and over a real
 *           port under load (wrk when installed, else the slower Node load generator), against a
 *           bare node:http server in the same process sending the same bytes (medians of 3 rounds).
 *
 *   node --import tsx bench/feed.ts [--posts N] [--duration S] [--rounds N] [--only sqlite|postgres]
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/index.ts';
import type { FeedService } from '../src/modules/feeds/service.ts';
import { type DatabaseHandle, openDatabase } from '../src/platform/db/index.ts';
import type { PostsTable } from '../src/platform/db/schema.ts';
import { findWrk, generateLoad, type LoadResult } from './lib/load.ts';
import { canPin, removeTempDir, tempDir } from './lib/processes.ts';
import { SERVER_CORE } from './lib/vigil.ts';
import { check, info, printTable, type Row } from './report.ts';

export const FEED_TARGET_COLD_MS = 100;
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BASE = 'https://bench.example.org';

export interface FeedDialectResult {
  dialect: 'sqlite' | 'postgres';
  posts: number;
  insertSeconds: number;
  /** EXPLAIN of the per-language feed query, one line. */
  plan: string;
  usesIndex: boolean;
  /** The process's first feed request (cache empty, code paths not yet warmed). */
  firstColdMs: number;
  coldMedianMs: number;
  coldP95Ms: number;
  coldMaxMs: number;
  coldBytes: number;
  /** app.inject of the cached feed, sequentially. */
  cachedInjectUs: number;
  /** Over a real port under load (this process pinned to the server core when possible). */
  cachedRequestsPerSec: number;
  cachedP99Ms: number;
  /** A bare node:http server in the same process sending the same bytes, loaded the same way. */
  bareRequestsPerSec: number;
  loadErrors: number;
}

export interface FeedResults {
  posts: number;
  loadGenerator: 'wrk' | 'node-fallback';
  sqlite?: FeedDialectResult;
  postgres?: FeedDialectResult;
  postgresSkipped?: string;
}

const FEEDS = [
  '/feed.xml',
  '/en/feed.atom',
  '/zh-CN/feed.json',
  '/tags/recruitment/feed.xml',
  '/en/tags/conferences/feed.json',
];
const TAGS = ['recruitment', 'conferences', 'surveys', 'photography', 'apps', 'insiders', '间谍', '举报'];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EN_PARAGRAPH =
  'A consultancy asked staff to answer questions about matters outside its remit, recorded confidential product data and asked for files it had no reason to see. ';
const ZH_PARAGRAPH =
  '某境外咨询机构以尽职调查为名，要求员工回答涉及国家秘密的问题，索取与业务无关的文件，并记录企业核心数据。';

async function insertPosts(handle: DatabaseHandle, count: number): Promise<void> {
  const random = prng(42);
  const t0 = Date.UTC(2024, 0, 1);
  for (let start = 0; start < count; start += 250) {
    const rows: PostsTable[] = [];
    const tags: { post_id: string; tag: string }[] = [];
    for (let i = start; i < Math.min(count, start + 250); i++) {
      const id = crypto.randomUUID();
      const lang = i % 2 === 0 ? 'zh-CN' : 'en';
      const when = t0 + i * 3_600_000 + Math.floor(random() * 1000);
      const para = lang === 'en' ? EN_PARAGRAPH : ZH_PARAGRAPH;
      const body = Array.from({ length: 4 }, () => `<p>${para.repeat(2)}</p>`).join('\n');
      rows.push({
        id,
        kind: 'post' as const,
        lang: lang as 'en' | 'zh-CN',
        slug: `post-${i}`,
        translation_group: id,
        status: 'published' as const,
        current_revision_id: `${id}-r1`,
        published_revision_id: `${id}-r1`,
        review_state: 'none' as const,
        submitted_by: null,
        submitted_at: null,
        reviewed_by: null,
        reviewed_at: null,
        review_note: null,
        publish_at: null,
        first_published_at: when,
        published_at: when,
        pinned: 0,
        pub_title: lang === 'en' ? `Case ${i}: what to look out for` : `案例 ${i}：需要警惕的迹象`,
        pub_summary: lang === 'en' ? 'Red flags and what to do.' : '警惕迹象与应对方法。',
        pub_cover_media_id: null,
        pub_video_media_id: null,
        pub_series: null,
        pub_report_topic: null,
        pub_html: `${body}<p><a href="/law/counter-espionage/article-16">Article 16</a> <img src="/media/${id}/640.webp" alt=""></p>`,
        created_by: 'bench',
        created_at: when,
        updated_at: when,
        version: 1,
      });
      const n = 1 + Math.floor(random() * 3);
      for (const tag of new Set(Array.from({ length: n }, () => TAGS[Math.floor(random() * TAGS.length)]!)))
        tags.push({ post_id: id, tag });
    }
    await handle.db.transaction().execute(async (trx) => {
      await trx.insertInto('posts').values(rows).execute();
      await trx.insertInto('post_tags').values(tags).execute();
    });
  }
}

async function explain(app: FastifyInstance, handle: DatabaseHandle): Promise<string> {
  const feeds = app.vigil.services.get('feeds') as FeedService;
  const q = feeds.repo.latestSql('en', 50);
  if (handle.dialect === 'sqlite') {
    const rows = handle
      .sqlite!.prepare(`explain query plan ${q.sql}`)
      .all(...(q.parameters as unknown[])) as { detail: string }[];
    return rows.map((r) => r.detail).join('; ');
  }
  const inlined = q.sql.replace(/\$(\d+)/g, (_m, n: string) => {
    const v = q.parameters[Number(n) - 1];
    return typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
  });
  const r = await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(inlined)}`.execute(handle.db);
  return r.rows.map((x) => x['QUERY PLAN'].trim()).join('; ');
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function measureOne(
  dialect: 'sqlite' | 'postgres',
  posts: number,
  durationS: number,
  rounds: number,
  wrk: string | undefined,
  log: (line: string) => void,
): Promise<FeedDialectResult> {
  const dataDir = tempDir('vigil-bench-feed-');
  let schema: string | undefined;
  let handle: DatabaseHandle;
  if (dialect === 'postgres') {
    schema = `bench_feed_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    handle = openDatabase({ kind: 'postgres', url: PG_URL }, { searchPath: schema });
  } else {
    handle = openDatabase({
      kind: 'sqlite',
      file: path.join(dataDir, 'vigil.sqlite'),
      synchronous: 'NORMAL',
    });
  }
  const config = loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_PUBLIC_URL: BASE, LOG_LEVEL: 'silent' });
  const app = await buildApp(config, { database: handle });
  try {
    await app.ready();
    const i0 = performance.now();
    await insertPosts(handle, posts);
    const insertSeconds = (performance.now() - i0) / 1000;
    await sql`analyze`.execute(handle.db);
    log(`  ${dialect}: ${posts} posts inserted in ${insertSeconds.toFixed(1)} s`);
    const plan = await explain(app, handle);
    const usesIndex = /posts_live/.test(plan) && !/TEMP B-TREE|Sort/.test(plan);
    log(`  ${dialect}: feed query plan: ${plan}`);

    const feeds = app.vigil.services.get('feeds') as FeedService;
    const cold = async (url: string) => {
      feeds.cache.clear();
      const t = performance.now();
      const res = await app.inject({ method: 'GET', url });
      const ms = performance.now() - t;
      if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`);
      return { ms, bytes: res.rawPayload.length };
    };
    const first = await cold(FEEDS[0]!);
    const colds: number[] = [];
    for (let round = 0; round < 20; round++) for (const url of FEEDS) colds.push((await cold(url)).ms);
    log(
      `  ${dialect}: cold feed: first ${first.ms.toFixed(1)} ms (${(first.bytes / 1024).toFixed(0)} KiB), then median ${percentile(colds, 50).toFixed(1)} ms, p95 ${percentile(colds, 95).toFixed(1)} ms, max ${Math.max(...colds).toFixed(1)} ms over ${colds.length}`,
    );

    const url = FEEDS[0]!;
    await app.inject({ method: 'GET', url });
    const n = 5000;
    const c0 = performance.now();
    for (let i = 0; i < n; i++) await app.inject({ method: 'GET', url });
    const cachedInjectUs = ((performance.now() - c0) * 1000) / n;

    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const settings = { threads: 1, connections: 50, durationS, headers: {} };
    // The ceiling: a bare node:http server in this same process (same core, same heap, same GC)
    // sending the very bytes Vigil sends. The two are loaded one after the other, `rounds` times,
    // and medians are reported, which evens out other processes competing for the cores.
    const feedBytes = (await app.inject({ method: 'GET', url })).rawPayload;
    const bareServer = http.createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/rss+xml; charset=utf-8',
        'content-length': String(feedBytes.length),
      });
      res.end(feedBytes);
    });
    await new Promise<void>((resolve) => bareServer.listen(0, '127.0.0.1', () => resolve()));
    const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/`;
    const pinned =
      canPin() && spawnSync('taskset', ['-cp', String(SERVER_CORE), String(process.pid)]).status === 0;
    const vigilRuns: LoadResult[] = [];
    const bareRuns: LoadResult[] = [];
    try {
      await generateLoad(wrk, `${address}${url}`, { ...settings, durationS: 1 });
      await generateLoad(wrk, bareUrl, { ...settings, durationS: 1 });
      for (let round = 0; round < rounds; round++) {
        vigilRuns.push(await generateLoad(wrk, `${address}${url}`, settings));
        bareRuns.push(await generateLoad(wrk, bareUrl, settings));
      }
    } finally {
      if (pinned) spawnSync('taskset', ['-cp', `0-${os.availableParallelism() - 1}`, String(process.pid)]);
      await new Promise<void>((resolve) => bareServer.close(() => resolve()));
    }
    const byRate = (runs: LoadResult[]) =>
      [...runs].sort((a, b) => a.requestsPerSec - b.requestsPerSec)[(runs.length - 1) >> 1]!;
    const load = byRate(vigilRuns);
    const bare = byRate(bareRuns);
    log(
      `  ${dialect}: cached feed: ${cachedInjectUs.toFixed(0)} µs per in-process request (app.inject); over HTTP ${load.requestsPerSec.toFixed(0)} req/s, p99 ${load.p99Ms.toFixed(2)} ms; bare node:http, same bytes: ${bare.requestsPerSec.toFixed(0)} req/s`,
    );
    return {
      dialect,
      posts,
      insertSeconds,
      plan,
      usesIndex,
      firstColdMs: first.ms,
      coldMedianMs: percentile(colds, 50),
      coldP95Ms: percentile(colds, 95),
      coldMaxMs: Math.max(...colds),
      coldBytes: first.bytes,
      cachedInjectUs,
      cachedRequestsPerSec: load.requestsPerSec,
      cachedP99Ms: load.p99Ms,
      bareRequestsPerSec: bare.requestsPerSec,
      loadErrors: vigilRuns.reduce((n, r) => n + r.errors, 0),
    };
  } finally {
    await app.close();
    await handle.close().catch(() => {});
    if (schema) {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
    removeTempDir(dataDir);
  }
}

async function postgresReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL not reachable at ${PG_URL}: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function measureFeeds(
  options: {
    posts?: number;
    durationS?: number;
    /** Alternations of Vigil and the bare ceiling under load; medians are reported. */
    rounds?: number;
    only?: 'sqlite' | 'postgres';
    log?: (line: string) => void;
  } = {},
): Promise<FeedResults> {
  const posts = options.posts ?? 10_000;
  const durationS = options.durationS ?? 3;
  const rounds = options.rounds ?? 3;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const wrk = findWrk();
  const results: FeedResults = { posts, loadGenerator: wrk ? 'wrk' : 'node-fallback' };
  if (options.only !== 'postgres')
    results.sqlite = await measureOne('sqlite', posts, durationS, rounds, wrk, log);
  if (options.only !== 'sqlite') {
    const skipped = await postgresReachable();
    if (skipped) {
      results.postgresSkipped = skipped;
      log(`  ${skipped}: skipped`);
    } else {
      results.postgres = await measureOne('postgres', posts, durationS, rounds, wrk, log);
    }
  }
  return results;
}

/** Table rows for bench/run.ts. */
export function feedRows(r: FeedResults): Row[] {
  const rows: Row[] = [];
  for (const d of [r.sqlite, r.postgres]) {
    if (!d) continue;
    const name = d.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    rows.push(
      check(
        `Feed of 50 of ${d.posts} posts, first cold request (${name})`,
        d.firstColdMs,
        'ms',
        '<',
        FEED_TARGET_COLD_MS,
      ),
    );
    rows.push(
      check(
        `Feed of 50 of ${d.posts} posts, cold, p95 (${name})`,
        d.coldP95Ms,
        'ms',
        '<',
        FEED_TARGET_COLD_MS,
      ),
    );
    rows.push(
      info(
        `Feed cold, median / max (${name})`,
        `${d.coldMedianMs.toFixed(1)} / ${d.coldMaxMs.toFixed(1)} ms`,
      ),
    );
    rows.push({
      figure: `Feed query reads posts_live, no sort (${name})`,
      value: d.usesIndex ? 'yes' : 'no',
      target: 'yes',
      verdict: d.usesIndex ? 'PASS' : 'FAIL',
    });
    rows.push(info(`Feed from cache, in process (${name})`, `${d.cachedInjectUs.toFixed(0)} µs/req`));
    rows.push(
      info(
        `Feed from cache over HTTP (${name}, ${r.loadGenerator})`,
        `${d.cachedRequestsPerSec.toFixed(0)} req/s, p99 ${d.cachedP99Ms.toFixed(2)} ms`,
      ),
    );
    rows.push(
      info(
        `Feed from cache / bare node:http, same bytes (${name})`,
        `${((d.cachedRequestsPerSec / d.bareRequestsPerSec) * 100).toFixed(1)} % of ${d.bareRequestsPerSec.toFixed(0)} req/s`,
      ),
    );
    if (d.loadErrors > 0)
      rows.push({ ...info(`Feed load errors (${name})`, String(d.loadErrors)), verdict: 'FAIL' });
  }
  if (r.postgresSkipped) rows.push(info('Feed on PostgreSQL', 'skipped (not reachable)'));
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: {
      posts: { type: 'string', default: '10000' },
      duration: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      only: { type: 'string' },
    },
  });
  const only = values.only === 'sqlite' || values.only === 'postgres' ? values.only : undefined;
  process.stdout.write(`Feed bench: node ${process.version}, ${os.availableParallelism()} cores\n`);
  const results = await measureFeeds({
    posts: Number(values.posts),
    durationS: Number(values.duration),
    rounds: Number(values.rounds),
    only,
  });
  printTable(feedRows(results));
}
