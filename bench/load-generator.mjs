// Fallback load generator when wrk is missing: keep-alive connections each sending one GET after
// another for a fixed time. Prints {requestsPerSec, p50Ms, p99Ms, requests, errors} as JSON.
import http from 'node:http';

const { url, connections, durationS, headers } = JSON.parse(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
let errors = 0;
const deadline = performance.now() + durationS * 1000;

function once() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get(url, { agent, headers, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode >= 400) errors++;
        else latencies.push(performance.now() - t0);
        resolve();
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      errors++;
      resolve();
    });
  });
}

async function loop() {
  while (performance.now() < deadline) await once();
}

const started = performance.now();
await Promise.all(Array.from({ length: connections }, loop));
const elapsedS = (performance.now() - started) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
process.stdout.write(
  JSON.stringify({
    requestsPerSec: latencies.length / elapsedS,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    requests: latencies.length,
    errors,
  }),
);
