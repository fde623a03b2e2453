#!/usr/bin/env node
// The `vigil` command. It runs the TypeScript sources through tsx, so it is always current;
// `npm start` runs the esbuild bundle instead, which starts faster.
import { register } from 'tsx/esm/api';

register();
await import('../src/bin.ts');
