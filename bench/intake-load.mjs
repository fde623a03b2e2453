// Load generator for the intake bench (bench/intake.ts), run pinned to the load core.
// Fetches proof-of-work challenges first (the server runs with VIGIL_REPORT_POW_BITS=0, so no
// nonce has to be found; verifying still runs), then posts reports through the JSON API:
//   mode "closed": `connections` clients post one report after another (maximum throughput);
//   mode "open":   reports are started at a fixed `rate` per second, whatever the answers do;
//   mode "idle":   no reports.
// When `probe` is set, GET probe.path every probe.intervalMs on its own connection and record its
// latency (the bench runs the probe in a process of its own, so the surge's client work never
// delays the probe's answers; `startAt` lines the two up). With `attachmentBytes`, each report carries one file of that size (multipart).
// Prints JSON: { reports, reportsPerSec, errors, statuses, probe: { p50Ms, p99Ms, count }, reportP99Ms }.
import crypto from 'node:crypto';
import http from 'node:http';

const cfg = JSON.parse(process.argv[2]);
const host = '127.0.0.1';
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, cfg.connections ?? 1) });
const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, path, body, headers, useAgent = agent) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request(
      { host, port: cfg.port, method, path, agent: useAgent, headers, timeout: 30_000 },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: performance.now() - t0 }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: Buffer.alloc(0), ms: performance.now() - t0 }));
    if (body) {
      if (Array.isArray(body)) for (const part of body) req.write(part);
      else req.write(body);
    }
    req.end();
  });
}

const challenges = [];
async function fetchChallenges(n) {
  const conns = 8;
  await Promise.all(
    Array.from({ length: conns }, async () => {
      while (challenges.length < n) {
        const r = await request('GET', '/api/v1/challenge');
        if (r.status !== 200) throw new Error(`challenge: ${r.status}`);
        challenges.push(JSON.parse(r.body.toString()).challenge);
      }
    }),
  );
}

const fileBytes = cfg.attachmentBytes ? crypto.randomBytes(cfg.attachmentBytes) : undefined;
// A plain-text attachment: random bytes are not a type the store accepts, printable text is.
if (fileBytes) for (let i = 0; i < fileBytes.length; i++) fileBytes[i] = 0x61 + (fileBytes[i] % 26);

let seq = 0;
const statuses = {};
const reportLatencies = [];
let reports = 0;
let errors = 0;

async function oneReport() {
  const challenge = challenges.pop();
  if (!challenge) throw new Error('ran out of challenges: raise the estimate');
  const report = {
    questionnaire: cfg.questionnaire,
    answers: {
      summary: `bench report ${seq++}`,
      details: 'A consultant asked for the board papers of our company.',
      kind: 'in-person',
    },
    identity: { mode: 'anonymous' },
    lang: 'en',
    pow: { challenge, nonce: '0' },
  };
  const key = crypto.randomBytes(18).toString('base64url');
  let r;
  if (fileBytes) {
    const boundary = `----bench${crypto.randomBytes(8).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="report"\r\n\r\n${JSON.stringify(report)}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="evidence.txt"\r\nContent-Type: text/plain\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    r = await request('POST', '/api/v1/reports', [head, fileBytes, tail], {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + fileBytes.length + tail.length,
      'idempotency-key': key,
    });
  } else {
    const body = Buffer.from(JSON.stringify(report));
    r = await request('POST', '/api/v1/reports', body, {
      'content-type': 'application/json',
      'content-length': body.length,
      'idempotency-key': key,
    });
  }
  statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  if (r.status === 201) {
    reports++;
    reportLatencies.push(r.ms);
  } else errors++;
}

const probeLatencies = [];
let probing = true;
async function probe() {
  if (!cfg.probe) return;
  let next = performance.now();
  while (probing) {
    const r = await request('GET', cfg.probe.path, undefined, cfg.probe.headers ?? {}, probeAgent);
    if (r.status === 200) probeLatencies.push(r.ms);
    next += cfg.probe.intervalMs;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    else next = performance.now();
  }
}

const pct = (arr, q) => {
  const s = [...arr].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0;
};

const expected =
  cfg.mode === 'idle' ? 0 : Math.ceil((cfg.mode === 'open' ? cfg.rate : 4000) * cfg.durationS * 1.2) + 100;
const capped = cfg.attachmentBytes ? Math.min(expected, 200 * cfg.durationS + 100) : expected;
await fetchChallenges(capped);
// Warm the probe path.
for (let i = 0; i < 20 && cfg.probe; i++)
  await request('GET', cfg.probe.path, undefined, cfg.probe.headers ?? {}, probeAgent);
// Two generators (the probe and the surge) start together at an agreed wall-clock time.
let late = false;
if (cfg.startAt) {
  const wait = cfg.startAt - Date.now();
  if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  else late = true;
}

const started = performance.now();
const deadline = started + cfg.durationS * 1000;
const probeDone = probe();
if (cfg.mode === 'closed') {
  await Promise.all(
    Array.from({ length: cfg.connections }, async () => {
      while (performance.now() < deadline) await oneReport();
    }),
  );
} else if (cfg.mode === 'open') {
  const inflight = new Set();
  const interval = 1000 / cfg.rate;
  let next = performance.now();
  while (performance.now() < deadline) {
    // Start every report that is due (timers are coarse: catch up in small bursts).
    while (next <= performance.now() && performance.now() < deadline) {
      const p = oneReport().finally(() => inflight.delete(p));
      inflight.add(p);
      next += interval;
    }
    await new Promise((res) => setTimeout(res, 1));
  }
  await Promise.all(inflight);
} else {
  await new Promise((res) => setTimeout(res, cfg.durationS * 1000));
}
const elapsed = (performance.now() - started) / 1000;
probing = false;
await probeDone;
agent.destroy();
probeAgent.destroy();
process.stdout.write(
  JSON.stringify({
    reports,
    late,
    reportsPerSec: reports / elapsed,
    errors,
    statuses,
    reportP50Ms: pct(reportLatencies, 0.5),
    reportP99Ms: pct(reportLatencies, 0.99),
    probe: {
      count: probeLatencies.length,
      p50Ms: pct(probeLatencies, 0.5),
      p99Ms: pct(probeLatencies, 0.99),
    },
  }),
);
