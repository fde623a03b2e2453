/** The search page's own messages, in both languages. */
import { catalogue } from '../../platform/views/i18n/index.ts';

const en = {
  title: 'Search',
  resultsTitle: 'Search: {q}',
  intro: 'Search the posts, the law explained and the guides, in Chinese and in English.',
  label: 'Search for',
  hint: 'Words in Chinese or English. Every word must appear; "report" also finds "reports" and "reported".',
  langLabel: 'Language',
  kindLabel: 'Show',
  anyLang: 'Chinese and English',
  anyKind: 'Everything',
  submit: 'Search',
  kinds: { post: 'Posts', page: 'Pages', law: 'The law', guide: 'Guides' } as Record<string, string>,
  kindOne: { post: 'Post', page: 'Page', law: 'Law article', guide: 'Guide' } as Record<string, string>,
  langs: { en: 'English', 'zh-CN': '中文' } as Record<string, string>,
  shown: 'Results {from}–{to}',
  noResults: 'Nothing matches “{q}”.',
  noResultsHelp:
    'Try fewer words, another spelling, or a shorter Chinese word (two characters are enough). The filters above may also be hiding results.',
  noTerms: 'Type a word or two to search for: punctuation and symbols on their own are not searched.',
  pagination: 'Result pages',
  previous: 'Previous results',
  next: 'More results',
  badRequest: 'We could not read that search',
  badRequestText:
    'Something in the address was not in the form we expect (the search may be longer than {max} characters). Try the search again from the form below.',
  busyTitle: 'Search is busy',
  busyText: 'Too many searches are running at this moment. Please try again in a few seconds.',
  privacy: 'Searches are not recorded: neither the words nor who searched.',
};

const zhCN: typeof en = {
  title: '搜索',
  resultsTitle: '搜索：{q}',
  intro: '搜索文章、法律解读和防范指南，支持中文和英文。',
  label: '搜索内容',
  hint: '输入中文或英文词语，结果须包含所有词语；两个汉字的词即可检索。',
  langLabel: '语言',
  kindLabel: '范围',
  anyLang: '中文和英文',
  anyKind: '全部',
  submit: '搜索',
  kinds: { post: '文章', page: '页面', law: '法律', guide: '指南' },
  kindOne: { post: '文章', page: '页面', law: '法律条文', guide: '指南' },
  langs: { en: 'English', 'zh-CN': '中文' },
  shown: '第 {from}–{to} 条结果',
  noResults: '没有找到与“{q}”匹配的内容。',
  noResultsHelp:
    '请尝试减少词语、换一种说法，或使用更短的中文词语（两个字即可）。上方的筛选条件也可能隐藏了部分结果。',
  noTerms: '请输入要搜索的词语：单独的标点和符号不会被搜索。',
  pagination: '结果分页',
  previous: '上一页结果',
  next: '更多结果',
  badRequest: '无法读取该搜索请求',
  badRequestText: '网址中的内容格式不符合要求（搜索内容可能超过 {max} 个字符）。请使用下方的表单重新搜索。',
  busyTitle: '搜索繁忙',
  busyText: '此刻进行中的搜索过多，请几秒钟后再试。',
  privacy: '本站不记录搜索：既不记录搜索的词语，也不记录搜索者。',
};

export const searchMessages = catalogue({ en, 'zh-CN': zhCN });
export type SearchMessages = typeof en;
