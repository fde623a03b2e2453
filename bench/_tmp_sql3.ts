import Database from 'better-sqlite3';
const db = new Database('/tmp/searchexp.sqlite');
const Q = `select d.key from (select id, score from (
              select search_fts.rowid as id, search_fts.rank as score
              from search_fts join search_docs f on f.rowid = search_fts.rowid
              where search_fts match ? and f.lang = ?
              order by search_fts.rowid desc
              limit 500)
            order by score, id desc
            limit 11) c
      join search_docs d on d.rowid = c.id
      order by c.score, c.id desc`;
console.log(db.prepare('explain query plan ' + Q).all('"x"', 'en').map((r: any) => r.detail));
for (const q of ['"report"', '"data"', '"安全"']) { const s = performance.now(); db.prepare(Q).all(q, 'en'); console.log(q, (performance.now() - s).toFixed(1)); }
