import { generateDocuments } from './search.ts';
import { documentTerms } from '../src/platform/search/tokenize.ts';
let t0 = performance.now(); const docs = [...generateDocuments(100000)]; console.log('gen', performance.now()-t0);
t0 = performance.now(); let n = 0; for (const d of docs) n += documentTerms(d.title, d.text).length; console.log('tok', performance.now()-t0, n/docs.length);
