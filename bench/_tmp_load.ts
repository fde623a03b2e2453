import pg from 'pg';
import { openDatabase } from '../src/platform/db/index.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { SearchIndex } from '../src/platform/search/index.ts';
import { generateDocuments } from './search.ts';
const which = process.argv[2];
const handle = which === 'pg' ? openDatabase({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' }, { searchPath: 'searchexp' }) : openDatabase({ kind: 'sqlite', file: '/tmp/searchexp.sqlite', synchronous: 'NORMAL' });
if (which === 'pg') { const c = new pg.Client('postgres://postgres@127.0.0.1:5432/test'); await c.connect(); await c.query('drop schema if exists searchexp cascade; create schema searchexp'); await c.end(); }
await migrateToLatest(handle.db);
const idx = new SearchIndex(handle.db, handle.dialect);
let batch = []; const t0 = performance.now(); let tok = 0;
for (const d of generateDocuments(100000)) { batch.push(d); if (batch.length === 5000) { await idx.indexMany(batch); batch = []; } }
console.log('loaded', (performance.now()-t0)/1000);
await handle.close();
