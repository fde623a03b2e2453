import Database from 'better-sqlite3';
const db = new Database('/tmp/searchexp.sqlite');
const t = (label: string, f: () => unknown) => { const s = performance.now(); const r = f(); console.log(label, (performance.now() - s).toFixed(1), JSON.stringify(r).slice(0, 80)); };
if (process.argv[2] === 'optimize') t('optimize', () => db.prepare("insert into search_fts(search_fts) values ('optimize')").run());
console.log(db.prepare("select count(*) n from search_fts_data").get(), db.prepare("select page_count*page_size/1e6 mb from pragma_page_count(), pragma_page_size()").get());
for (const q of ['"future" "photograph"', '"questionnair" "agent"', '"服务" "咨询"', '"report"']) {
  t('count ' + q, () => db.prepare('select count(*) from search_fts where search_fts match ?').get(q));
  t('desc  ' + q, () => db.prepare('select rowid, rank from search_fts where search_fts match ? order by rowid desc limit 1000').all(q).length);
  t('asc   ' + q, () => db.prepare('select rowid, rank from search_fts where search_fts match ? order by rowid limit 1000').all(q).length);
  t('rank  ' + q, () => db.prepare('select rowid from search_fts where search_fts match ? order by rank limit 11').all(q).length);
}
