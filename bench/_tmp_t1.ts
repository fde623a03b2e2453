import { documentTerms, queryTerms, makeSnippet, scan, highlightRanges } from '../src/platform/search/tokenize.ts';
console.log(documentTerms('间谍案', '国家安全机关发现，一名APP开发者Reports: café ＡＢＣ２０２４年 ｶﾞ 𠀀𠀁 ¼'));
console.log(queryTerms('间谍'), queryTerms('谍'), queryTerms('国家安全机关 reporting APPs'), queryTerms('<script>alert(1)</script>'));
const body = 'This is a long text. '.repeat(10) + 'Someone reported a suspicious recruiter who was reporting to a foreign agency. 境外间谍情报机关通过网络招聘。' + ' filler words here'.repeat(20);
const q = queryTerms('report 间谍');
const s = makeSnippet(body, q);
console.log(s.snippet, s.highlights, s.highlights.map(([a,b]) => s.snippet.slice(a,b)));
console.log(highlightRanges('间谍 Reports', q));
