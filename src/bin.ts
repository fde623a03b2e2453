/** Process entry for the `vigil` command (bin/vigil.js in development, dist/cli.mjs when built). */
import { runCli } from './cli.ts';

try {
  const code = await runCli(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
} catch (err) {
  process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
