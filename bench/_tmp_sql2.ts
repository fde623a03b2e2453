import Database from 'better-sqlite3';
const db = new Database('/tmp/searchexp.sqlite');
const Q = `select d.key, d.kind, d.lang, d.title, d.url, d.body
      from (select search_fts.rowid as id, search_fts.rank as score
            from search_fts
            where search_fts match ?
            order by search_fts.rowid desc
            limit 1000) c
      join search_docs d on d.rowid = c.id
      order by c.score, c.id desc
      limit 11`;
console.log(db.prepare('explain query plan ' + Q).all('"x"'));
for (const q of ['"future" "photograph"', '"questionnair" "agent"', '"服务" "咨询"', '"report"', '"onlin" "unusu"']) {
  const s = performance.now(); const r = db.prepare(Q).all(q); console.log(q, (performance.now() - s).toFixed(1), r.length);
}
