/**
 * Figure: search latency over 100,000 mixed Chinese and English documents, on SQLite and on
 * PostgreSQL. Generates synthetic but realistic documents (Chinese sentences from common
 * two-character words, English sentences from a word list with inflections, word frequencies
 * following Zipf's law), indexes them through SearchIndex.indexMany, then times ~500 queries
 * through SearchIndex.search (the same call GET /search makes: SQL, ranking and snippets), asking
 * for one page plus one (11 hits), a fifth of them with a language filter.
 *
 *   node --import tsx bench/search.ts [--docs N] [--queries N] [--only sqlite|postgres]
 *
 * PostgreSQL is reached at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) in a
 * fresh schema dropped afterwards; when it does not answer, it is skipped with a note.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from '../src/platform/db/index.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { type SearchDocument, SearchIndex } from '../src/platform/search/index.ts';
import type { Lang } from '../src/platform/views/i18n/index.ts';
import { check, info, type Row } from './report.ts';

export const SEARCH_TARGET_P95_MS = 30;
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface SearchDialectResult {
  dialect: 'sqlite' | 'postgres';
  documents: number;
  indexSeconds: number;
  queries: number;
  /** Queries that found at least one document. */
  queriesWithHits: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SearchResults {
  documents: number;
  sqlite?: SearchDialectResult;
  postgres?: SearchDialectResult;
  /** Why PostgreSQL was not measured, when it was not. */
  postgresSkipped?: string;
}

// --- Synthetic corpus -------------------------------------------------------------------------

/** Deterministic PRNG (mulberry32), so every run indexes the same corpus. */
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

const ZH_WORDS =
  `我们 他们 国家 安全 人员 工作 公司 单位 机关 部门 情报 间谍 举报 保密 秘密 资料 数据 信息 网络 招聘
猎头 境外 外国 机构 组织 调查 问卷 报酬 酬金 会议 研讨 考察 学习 留学 学生 研究 科研 项目 技术 企业
员工 领导 负责 管理 发现 注意 警惕 提醒 防范 风险 隐患 问题 情况 事件 案件 案例 公民 群众 社会 生活
手机 应用 软件 设备 拍照 摄影 照片 军事 设施 附近 区域 地点 时间 联系 电话 邮件 微信 朋友 同事 家人
培养 拉拢 利诱 金钱 礼物 请客 吃饭 出国 旅游 旅行 签证 护照 机场 海关 酒店 活动 交流 合作 上市 尽调
咨询 顾问 服务 合同 客户 核心 重要 敏感 涉密 文件 材料 报告 提交 收集 窃取 泄露 出卖 非法 违法 法律
法规 规定 条例 条款 第一 第二 责任 义务 权利 奖励 奖金 奖励 匿名 身份 保护 受理 处理 结果 反馈 投诉
申诉 渠道 方式 方法 步骤 流程 程序 需要 可以 应当 必须 不得 禁止 允许 通过 进行 开展 加强 提高 增强
意识 教育 宣传 培训 知识 经验 教训 典型 真实 故事 视频 文章 发布 阅读 了解 学会 识别 判断 分析 评估
今天 昨天 最近 以前 后来 现在 将来 每年 每天 一直 经常 有时 突然 终于 已经 正在 马上 立即 及时 主动
简单 复杂 容易 困难 明显 可疑 异常 奇怪 特别 一般 主要 其他 相关 有关 直接 间接 公开 内部 外部 全部
城市 地区 省份 边境 港口 基地 工厂 实验 实验室 大学 学院 高校 老师 教授 专家 学者 记者 媒体 平台 账号
用户 个人 隐私 位置 定位 轨迹 权限 授权 下载 安装 更新 系统 服务器 云端 存储 传输 加密 密码 密钥 漏洞
中国 北京 上海 广州 深圳 全国 世界 国际 地方 政府 人民 经济 发展 建设 改革 开放 文化 历史 未来 和平`
    .split(/\s+/)
    .filter(Boolean);

const EN_WORDS = `the a an of to in for on with at by from about into over after before during between
people person staff employee company firm agency authority state country nation government official
security secret secrecy classified data information record file document report reporter reporting
spy spying espionage intelligence foreign overseas agent handler recruiter recruitment headhunter job
offer salary money payment gift dinner trip travel traveller visa passport airport border customs hotel
conference seminar meeting study student researcher research university lab project technology device
phone app application software camera photo photograph picture military base site area location port
contact email message friend colleague family insider cultivate approach ask request collect steal leak
sell law rule article chapter duty right reward bonus anonymous identity protect protection handle
complaint channel method step process need must should may can will warn warning sign red flag notice
suspicious strange unusual simple clear real case story video post guide learn understand recognise
consultancy consultant listing due diligence survey questionnaire interview questions answer form
market customer client contract service core important sensitive material submit share send receive
today yesterday recently later now future every day year month week always often sometimes suddenly
city region province province coast factory school teacher professor expert journalist media platform
account user private privacy permission download install update system server cloud storage transfer
encrypt password key vulnerability network online website link click open close help support team`
  .split(/\s+/)
  .filter(Boolean);

/** English inflections the stemmer must fold: the corpus uses them, and so do the queries. */
function inflect(word: string, r: number): string {
  if (word.length < 4) return word;
  if (r < 0.7) return word;
  if (r < 0.8) return word.endsWith('s') ? `${word}es` : `${word}s`;
  if (r < 0.9) return word.endsWith('e') ? `${word}d` : `${word}ed`;
  return word.endsWith('e') ? `${word.slice(0, -1)}ing` : `${word}ing`;
}

/** Picks word indexes with a Zipf distribution (s = 1): a few words are everywhere, most are rarer. */
function zipfPicker(n: number, rand: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1);
    cumulative[i] = sum;
  }
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export function* generateDocuments(count: number, seed = 42): Generator<SearchDocument> {
  const rand = prng(seed);
  // Shuffle the vocabularies (deterministically) so frequency is not tied to list order.
  const shuffle = <T>(xs: T[]) => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const zh = shuffle(ZH_WORDS);
  const en = shuffle(EN_WORDS);
  const zhPick = zipfPicker(zh.length, rand);
  const enPick = zipfPicker(en.length, rand);
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  const zhSentence = (words: number) => {
    let s = '';
    for (let i = 0; i < words; i++)
      s += zh[zhPick()]! + (i > 0 && i < words - 1 && rand() < 0.12 ? '，' : '');
    return `${s}。`;
  };
  const enSentence = (words: number) => {
    const ws: string[] = [];
    for (let i = 0; i < words; i++) ws.push(inflect(en[enPick()]!, rand()));
    const s = ws.join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const kinds = ['post', 'post', 'post', 'post', 'law', 'guide', 'page'] as const;
  for (let i = 0; i < count; i++) {
    const lang: Lang = i % 2 === 0 ? 'zh-CN' : 'en';
    const kind = kinds[int(0, kinds.length - 1)]!;
    let title: string;
    let text: string;
    if (lang === 'zh-CN') {
      title = zhSentence(int(3, 6)).slice(0, -1);
      const parts: string[] = [];
      for (let s = int(4, 10); s > 0; s--) parts.push(zhSentence(int(6, 14)));
      text = parts.join('');
    } else {
      title = enSentence(int(4, 8)).slice(0, -1);
      const parts: string[] = [];
      for (let s = int(3, 8); s > 0; s--) parts.push(enSentence(int(8, 18)));
      text = parts.join(' ');
    }
    yield {
      key: `bench:${i}`,
      kind,
      lang,
      title,
      text,
      url: `/posts/bench-${i}`,
      updatedAt: 1_700_000_000_000 + i,
    };
  }
}

export interface BenchQuery {
  q: string;
  lang?: Lang;
}

/** The query mix: 2-character Chinese words, Chinese phrases, English words, English word pairs. */
export function generateQueries(count: number, seed = 7): BenchQuery[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const zh2 = ZH_WORDS.filter((w) => w.length === 2);
  const en = EN_WORDS.filter((w) => w.length >= 4);
  const out: BenchQuery[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    let q: string;
    let lang: Lang;
    if (r < 0.3) {
      q = pick(zh2);
      lang = 'zh-CN';
    } else if (r < 0.5) {
      q = rand() < 0.5 ? pick(zh2) + pick(zh2) : `${pick(zh2)} ${pick(zh2)}`;
      lang = 'zh-CN';
    } else if (r < 0.8) {
      q = inflect(pick(en), rand());
      lang = 'en';
    } else {
      q = `${inflect(pick(en), rand())} ${inflect(pick(en), rand())}`;
      lang = 'en';
    }
    out.push(rand() < 0.2 ? { q, lang } : { q });
  }
  return out;
}

// --- Measurement ------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function runOn(
  dialect: 'sqlite' | 'postgres',
  handle: DatabaseHandle,
  docs: number,
  queries: BenchQuery[],
  log: (line: string) => void,
): Promise<SearchDialectResult> {
  await migrateToLatest(handle.db);
  const index = new SearchIndex(handle.db, handle.dialect);
  const t0 = performance.now();
  let batch: SearchDocument[] = [];
  let done = 0;
  for (const doc of generateDocuments(docs)) {
    batch.push(doc);
    if (batch.length === 5000) {
      await index.indexMany(batch);
      done += batch.length;
      batch = [];
      if (done % 25_000 === 0) log(`    ${dialect}: ${done} documents indexed`);
    }
  }
  await index.indexMany(batch);
  // The daily housekeeping job (SearchIndex.optimize), and on PostgreSQL what autovacuum does
  // after a bulk load: planner statistics.
  await index.optimize();
  if (dialect === 'postgres') await sql`vacuum analyze search_docs`.execute(handle.db);
  const indexSeconds = (performance.now() - t0) / 1000;
  log(`    ${dialect}: ${docs} documents indexed in ${indexSeconds.toFixed(1)} s`);

  // Warm up (caches, JIT) with 100 other queries, then time every query on its own, one at a time.
  for (const q of generateQueries(100, 1234)) await index.search(q.q, { lang: q.lang, limit: 11 });
  const times: number[] = [];
  let withHits = 0;
  for (const q of queries) {
    const s = performance.now();
    const hits = await index.search(q.q, { lang: q.lang, limit: 11 });
    times.push(performance.now() - s);
    if (hits.length > 0) withHits++;
  }
  times.sort((a, b) => a - b);
  return {
    dialect,
    documents: docs,
    indexSeconds,
    queries: queries.length,
    queriesWithHits: withHits,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    p99Ms: percentile(times, 99),
    maxMs: times[times.length - 1]!,
  };
}

async function postgresReachable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function measureSearch(
  options: {
    docs?: number;
    queries?: number;
    only?: 'sqlite' | 'postgres';
    log?: (line: string) => void;
  } = {},
): Promise<SearchResults> {
  const docs = options.docs ?? 100_000;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const queries = generateQueries(options.queries ?? 500);
  const results: SearchResults = { documents: docs };

  if (options.only !== 'postgres') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-search-'));
    const handle = openDatabase({
      kind: 'sqlite',
      file: path.join(dir, 'search.sqlite'),
      synchronous: 'NORMAL',
    });
    try {
      results.sqlite = await runOn('sqlite', handle, docs, queries, log);
    } finally {
      await handle.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  if (options.only !== 'sqlite') {
    const unreachable = await postgresReachable();
    if (unreachable) {
      results.postgresSkipped = `PostgreSQL not reachable at ${PG_URL} (${unreachable})`;
      log(`    NOTE: ${results.postgresSkipped}; skipping the PostgreSQL half`);
    } else {
      const schema = `bench_search_${crypto.randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      const handle = openDatabase({ kind: 'postgres', url: PG_URL }, { searchPath: schema, poolSize: 4 });
      try {
        results.postgres = await runOn('postgres', handle, docs, queries, log);
      } finally {
        await handle.close();
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
      }
    }
  }
  return results;
}

export function formatSearchResult(r: SearchDialectResult): string {
  return `${r.dialect}: p50 ${r.p50Ms.toFixed(2)} ms, p95 ${r.p95Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, max ${r.maxMs.toFixed(2)} ms (${r.queriesWithHits}/${r.queries} queries with hits; indexed ${r.documents} in ${r.indexSeconds.toFixed(1)} s)`;
}

/** The figure's rows in the `npm run bench` table: p95 against the target, p50 and p99 alongside. */
export function searchRows(r: SearchResults): Row[] {
  const rows: Row[] = [];
  const n = r.documents.toLocaleString('en');
  for (const d of [r.sqlite, r.postgres]) {
    if (!d) continue;
    const name = d.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    rows.push(check(`Search p95 over ${n} docs, ${name}`, d.p95Ms, 'ms', '<', SEARCH_TARGET_P95_MS));
    rows.push(
      info(
        `Search p50 / p99, ${name}`,
        `${d.p50Ms.toFixed(1)} / ${d.p99Ms.toFixed(1)} ms (${d.queries} queries, indexed in ${d.indexSeconds.toFixed(0)} s)`,
      ),
    );
  }
  if (r.postgresSkipped) rows.push(info('Search, PostgreSQL', 'skipped: not reachable'));
  return rows;
}

// Run on its own: node --import tsx bench/search.ts
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      docs: { type: 'string', default: '100000' },
      queries: { type: 'string', default: '500' },
      only: { type: 'string' },
    },
  });
  const only = values.only === 'sqlite' || values.only === 'postgres' ? values.only : undefined;
  const r = await measureSearch({ docs: Number(values.docs), queries: Number(values.queries), only });
  let pass = true;
  for (const d of [r.sqlite, r.postgres]) {
    if (!d) continue;
    const ok = d.p95Ms < SEARCH_TARGET_P95_MS;
    pass &&= ok;
    process.stdout.write(
      `${formatSearchResult(d)}  ${ok ? 'PASS' : 'FAIL'} (p95 < ${SEARCH_TARGET_P95_MS} ms)\n`,
    );
  }
  if (r.postgresSkipped) process.stdout.write(`postgres: skipped: ${r.postgresSkipped}\n`);
  process.exitCode = pass ? 0 : 1;
}
