// Bundles Vigil's TypeScript into dist/ with esbuild (about 100 ms): `npm start` runs the bundle,
// which starts several times faster than loading each source file through tsx. Dependencies
// stay external (node_modules); static assets are copied beside the bundle.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
await build({
  // The reports module's threads (report-writer.ts, file-writer.ts) load their own entry points.
  entryPoints: {
    cli: path.join(root, 'src/bin.ts'),
    'intake-worker': path.join(root, 'src/modules/reports/intake-worker.ts'),
    'file-writer-worker': path.join(root, 'src/modules/reports/file-writer-worker.ts'),
  },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
fs.cpSync(path.join(root, 'src/platform/views/assets'), path.join(dist, 'assets'), { recursive: true });
