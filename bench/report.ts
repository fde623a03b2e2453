/** The figures table (targets marked PASS/FAIL) and the JSON written to bench/results/latest.json. */
import fs from 'node:fs';
import path from 'node:path';

export type Verdict = 'PASS' | 'FAIL' | 'INFO' | 'ERROR';

export interface Row {
  figure: string;
  value: string;
  target: string;
  verdict: Verdict;
}

export function check(figure: string, value: number, unit: string, op: '<' | '>=', limit: number): Row {
  const pass = op === '<' ? value < limit : value >= limit;
  const fmt = (n: number) => (unit === '%' ? (n * 100).toFixed(1) : n.toFixed(unit === 'ms' ? 0 : 1));
  return {
    figure,
    value: `${fmt(value)} ${unit}`,
    target: `${op} ${fmt(limit)} ${unit}`,
    verdict: pass ? 'PASS' : 'FAIL',
  };
}

export function info(figure: string, value: string): Row {
  return { figure, value, target: '', verdict: 'INFO' };
}

export function failed(figure: string, err: unknown): Row {
  return {
    figure,
    value: err instanceof Error ? err.message.split('\n')[0]! : String(err),
    target: '',
    verdict: 'ERROR',
  };
}

export function printTable(rows: Row[], out: NodeJS.WriteStream = process.stdout): void {
  const color = out.isTTY && !process.env.NO_COLOR;
  const paint = (v: Verdict, text: string) => {
    if (!color) return text;
    const code = v === 'PASS' ? 32 : v === 'INFO' ? 2 : 31;
    return `\x1b[${code}m${text}\x1b[0m`;
  };
  const head: Row = { figure: 'Figure', value: 'Value', target: 'Target', verdict: 'INFO' };
  const w = (k: keyof Row) => Math.max(...[head, ...rows].map((r) => r[k].length));
  const [wf, wv, wt] = [w('figure'), w('value'), w('target')];
  const line = (r: Row, verdict: string) =>
    `| ${r.figure.padEnd(wf)} | ${r.value.padStart(wv)} | ${r.target.padEnd(wt)} | ${verdict.padEnd(6)} |`;
  const rule = `|${'-'.repeat(wf + 2)}|${'-'.repeat(wv + 2)}|${'-'.repeat(wt + 2)}|--------|`;
  out.write(`\n${line(head, 'Result')}\n${rule}\n`);
  for (const r of rows) {
    const label = r.verdict === 'INFO' ? '' : r.verdict;
    out.write(`${paint(r.verdict, line(r, label))}\n`);
  }
  const bad = rows.filter((r) => r.verdict === 'FAIL' || r.verdict === 'ERROR');
  const targets = rows.filter((r) => r.verdict !== 'INFO').length;
  out.write(
    bad.length
      ? `\n${paint('FAIL', `*** ${bad.length} of ${targets} targets FAILED or errored: ${bad.map((r) => r.figure).join('; ')} ***`)}\n`
      : `\n${paint('PASS', `All ${targets} targets met.`)}\n`,
  );
}

export function writeJson(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}
