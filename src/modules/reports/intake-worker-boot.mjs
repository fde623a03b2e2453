// Starts the report writer's thread from the TypeScript sources (tests, `npx vigil`): a loader
// registered on the main thread does not reach worker threads on Node 20, so this plain module
// registers tsx in the thread and then loads intake-worker.ts. The bundle (npm start) starts
// dist/intake-worker.mjs directly instead.
import { register } from 'tsx/esm/api';

register();
await import('./intake-worker.ts');
