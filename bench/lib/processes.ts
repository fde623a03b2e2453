/**
 * Child processes for the bench: every one is tracked and killed when the bench ends, however it
 * ends (normal exit, error, Ctrl-C). Servers and load generators can be pinned to a core with taskset.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();

export interface Started {
  child: ChildProcess;
  pid: number;
  /** The last few kB the process wrote to stderr (for error messages). */
  stderr(): string;
  /** Everything written to stdout, when captured. */
  stdout(): string;
  exited: Promise<number | null>;
}

let pinning: boolean | undefined;
/** Whether `taskset -c N` works here and there are at least two cores to split between. */
export function canPin(): boolean {
  if (pinning === undefined) {
    pinning =
      os.availableParallelism() >= 2 &&
      spawnSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' }).status === 0;
  }
  return pinning;
}

export interface StartOptions {
  /** Pin to this core with taskset when possible. */
  core?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  captureStdout?: boolean;
}

export function start(command: string, args: string[], options: StartOptions = {}): Started {
  const pinned = options.core !== undefined && canPin();
  // taskset execs the command, so the pid is the command's own (what /proc/<pid>/status needs).
  const child = pinned
    ? spawn('taskset', ['-c', String(options.core), command, ...args], spawnOptions(options))
    : spawn(command, args, spawnOptions(options));
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  live.add(child);
  let err = '';
  let out = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      live.delete(child);
      resolve(null);
    });
  });
  return { child, pid: child.pid, stderr: () => err, stdout: () => out, exited };
}

function spawnOptions(options: StartOptions) {
  return {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', 'pipe'] as ('ignore' | 'pipe')[],
  };
}

/** Runs a command to its end (killed after timeoutMs) and returns its exit code and output. */
export async function run(
  command: string,
  args: string[],
  options: StartOptions & { timeoutMs: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(command, args, { ...options, captureStdout: true });
  const timer = setTimeout(() => p.child.kill('SIGKILL'), options.timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** SIGTERM, then SIGKILL if the process is still there after graceMs. */
export async function stop(p: Started, graceMs = 3000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/${prefix}`);
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Kills every child still running and removes temporary folders. Safe to call more than once. */
export function cleanUpNow(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

process.on('exit', cleanUpNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping every process it started\n`);
    cleanUpNow();
    process.exit(130);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** VmRSS of a running process in MiB, from /proc/<pid>/status. */
export function residentMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (100 ticks a second). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state; utime and stime are 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
