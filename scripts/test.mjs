// `npm test`: finds every *.test.ts under src/ and test/ and runs them with node's test runner
// (through tsx). Under CI=true a test that was skipped fails the run: the PostgreSQL and browser
// tests must run there, not skip. Pass file paths to run only those.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const inCi = process.env.CI === 'true' || process.env.CI === '1';

function findTests(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...findTests(full));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : [...findTests(path.join(root, 'src')), ...findTests(path.join(root, 'test'))].sort();
const tapFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-tap-')), 'results.tap');
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tapFile}`,
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
child.on('exit', (code, signal) => {
  let exit = code ?? 1;
  if (signal) exit = 1;
  const tap = fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '';
  const num = (name) => Number((new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap) ?? [])[1] ?? 0);
  const [pass, fail, skipped, todo] = [num('pass'), num('fail'), num('skipped'), num('todo')];
  if (inCi && (skipped > 0 || todo > 0)) {
    process.stderr.write(
      `\nCI=true: ${skipped} skipped and ${todo} todo tests. Under CI every test must run.\n`,
    );
    exit = 1;
  }
  if (pass === 0 && exit === 0) {
    process.stderr.write('\nNo test passed: refusing to report success.\n');
    exit = 1;
  }
  process.stdout.write(`\n${pass} passed, ${fail} failed, ${skipped} skipped\n`);
  process.exit(exit);
});
