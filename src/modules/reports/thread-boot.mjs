// Starts this module's worker threads from the TypeScript sources (tests, `npx vigil`): a loader
// registered on the main thread does not reach worker threads on Node 20, so this plain module
// registers tsx in the thread and then loads the thread's code: intake-worker.ts (the report
// writer), or the file named by workerData.entry. The bundle (npm start) starts
// dist/intake-worker.mjs and dist/file-writer-worker.mjs directly instead.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData?.entry ?? './intake-worker.ts');
