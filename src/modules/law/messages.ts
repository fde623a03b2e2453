/** The law explainer's own messages, in both languages. */
import { catalogue, type Lang } from '../../platform/views/i18n/index.ts';

const en = {
  title: 'The law, explained',
  intro:
    'Each provision in full, with a note in plain words on what it means for you. Every article has its own address, so you can share or cite it.',
  noLaws: 'No law texts have been published yet.',
  articles: '{count} articles',
  chapter: 'Chapter {n}',
  article: 'Article {n}',
  chapterAndTitle: 'Chapter {n}: {title}',
  contents: 'Contents',
  byTopic: 'Articles by topic',
  legalText: 'The text',
  plainNote: 'In plain words',
  topics: 'Topics',
  previous: 'Previous article',
  next: 'Next article',
  pager: 'Previous and next article',
  colon: ': ',
  backToLaw: 'Back to {title}',
  allLaws: 'All law texts',
  aboutText: 'About this text',
  topicNames: {
    general: 'General provisions',
    reporting: 'Reporting',
    confidentiality: 'Confidentiality of reporters',
    protection: 'Protection from retaliation',
    rewards: 'Rewards',
    education: "Organisations' duty to educate staff",
    complaints: 'Complaints about how a report was handled',
  } as Record<string, string>,
  // Back office
  adminTitle: 'Law explainer',
  adminIntro:
    'Edit the text and the plain-language note of each article, in both languages. Changes go live at once and are recorded in the audit log.',
  edit: 'Edit',
  editTitle: 'Edit {article}',
  viewPublic: 'View the public page',
  fieldTitleZh: 'Heading (Chinese)',
  fieldTitleEn: 'Heading (English)',
  fieldTextZh: 'Text of the article (Chinese)',
  fieldTextEn: 'Text of the article (English)',
  fieldNoteZh: 'Plain-language note (Chinese)',
  fieldNoteEn: 'Plain-language note (English)',
  noteHint: 'Short sentences, everyday words. Say what the article means for a reader, not what it says.',
  saved: 'The article is saved and live.',
  stale:
    'Someone else saved this article meanwhile. The form now shows what you typed; the live version is on the public page. Check both, then save again.',
  lastUpdated: 'Last updated',
  heading: 'Heading',
};

const zhCN: typeof en = {
  title: '法规解读',
  intro:
    '逐条列出规定原文，并配有通俗易懂的说明，告诉你它对你意味着什么。每一条都有自己的网址，方便分享和引用。',
  noLaws: '暂未发布法规文本。',
  articles: '共 {count} 条',
  chapter: '第{n}章',
  article: '第{n}条',
  chapterAndTitle: '第{n}章 {title}',
  contents: '目录',
  byTopic: '按主题查看',
  legalText: '条文',
  plainNote: '通俗解读',
  topics: '主题',
  previous: '上一条',
  next: '下一条',
  pager: '上一条和下一条',
  colon: '：',
  backToLaw: '返回《{title}》',
  allLaws: '全部法规文本',
  aboutText: '关于本文本',
  topicNames: {
    general: '总则',
    reporting: '举报',
    confidentiality: '举报人信息保密',
    protection: '防止打击报复',
    rewards: '奖励',
    education: '单位的宣传教育责任',
    complaints: '对举报处理的投诉',
  },
  adminTitle: '法规解读',
  adminIntro: '在这里修改每一条的条文和通俗解读（中英文）。保存后立即生效，并记入审计日志。',
  edit: '编辑',
  editTitle: '编辑{article}',
  viewPublic: '查看公开页面',
  fieldTitleZh: '小标题（中文）',
  fieldTitleEn: '小标题（英文）',
  fieldTextZh: '条文（中文）',
  fieldTextEn: '条文（英文）',
  fieldNoteZh: '通俗解读（中文）',
  fieldNoteEn: '通俗解读（英文）',
  noteHint: '用短句和日常用语，讲清这一条对读者意味着什么，而不是复述条文。',
  saved: '已保存，并已在公开页面生效。',
  stale:
    '在你编辑期间，其他人已保存了这一条。表单中保留了你输入的内容；最新版本见公开页面。请核对后再次保存。',
  lastUpdated: '最近更新',
  heading: '小标题',
};

export const lawMessages = catalogue({ en, 'zh-CN': zhCN });
export type LawMessages = typeof en;

const ZH_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 1 → 一, 10 → 十, 15 → 十五, 21 → 二十一, 105 → 一百零五 (article numbers in Chinese). */
export function chineseNumber(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9999) return String(n);
  if (n < 10) return ZH_DIGITS[n]!;
  if (n < 20) return `十${n % 10 ? ZH_DIGITS[n % 10] : ''}`;
  if (n < 100) return `${ZH_DIGITS[Math.floor(n / 10)]}十${n % 10 ? ZH_DIGITS[n % 10] : ''}`;
  if (n < 1000) {
    const rest = n % 100;
    const head = `${ZH_DIGITS[Math.floor(n / 100)]}百`;
    if (rest === 0) return head;
    return rest < 10
      ? `${head}零${ZH_DIGITS[rest]}`
      : `${head}${rest < 20 ? '一' : ''}${chineseNumber(rest)}`;
  }
  return String(n);
}

/** The number as it is written in headings of this language. */
export function ordinal(lang: Lang, n: number): string {
  return lang === 'zh-CN' ? chineseNumber(n) : String(n);
}
