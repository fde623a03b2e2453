/** The guides' own messages, in both languages. */
import { catalogue } from '../../platform/views/i18n/index.ts';

const en = {
  title: 'What to look out for',
  intro:
    'Short guides for different people: the warning signs of an approach, and what to do when you notice one. None of them asks you to watch anyone: only to notice what happens to you, and to say so.',
  noGuides: 'No guides have been published yet.',
  audiences: {
    citizens: 'Everyone',
    'company-staff': 'Company staff',
    researchers: 'Researchers and students',
    travellers: 'Travellers',
  } as Record<string, string>,
  forAudience: 'For: {audience}',
  redFlags: 'Red flags',
  whatToDo: 'What to do',
  reportTitle: 'Noticed something like this?',
  reportText:
    'Tell us. You can report with your name, confidentially or anonymously, and you will get a code to follow up on your report.',
  reportThis: 'Report this',
  allGuides: 'All guides',
  otherGuides: 'Other guides',
  // Back office
  adminTitle: 'Guides',
  adminIntro: 'Edit the guides in both languages. Changes go live at once and are recorded in the audit log.',
  audience: 'Audience',
  guide: 'Guide',
  lastUpdated: 'Last updated',
  edit: 'Edit',
  editTitle: 'Edit the guide: {title}',
  viewPublic: 'View the public page',
  fieldTitleZh: 'Title (Chinese)',
  fieldTitleEn: 'Title (English)',
  fieldIntroZh: 'Introduction (Chinese)',
  fieldIntroEn: 'Introduction (English)',
  fieldRedFlagsZh: 'Red flags (Chinese)',
  fieldRedFlagsEn: 'Red flags (English)',
  fieldWhatToDoZh: 'What to do (Chinese)',
  fieldWhatToDoEn: 'What to do (English)',
  fieldReportTopic: 'Report topic',
  listHint: 'One item per line, at most {max} items.',
  topicHint:
    'The questionnaire the "Report this" button opens: lower-case letters, digits and dashes (for example travel).',
  topicInvalid: 'Use lower-case letters, digits and dashes only.',
  tooManyItems: 'At most {max} items, one per line.',
  itemTooLong: 'Each line may hold at most {max} characters.',
  saved: 'The guide is saved and live.',
  stale:
    'Someone else saved this guide meanwhile. The form now shows what you typed; the live version is on the public page. Check both, then save again.',
};

const zhCN: typeof en = {
  title: '防范指南',
  intro:
    '为不同人群准备的简短指南：可疑接触的警示信号，以及发现后该怎么做。这些指南不要求你去监视任何人，只需留意发生在自己身上的事，并说出来。',
  noGuides: '暂未发布指南。',
  audiences: {
    citizens: '普通公众',
    'company-staff': '企业员工',
    researchers: '科研人员和学生',
    travellers: '出行人员',
  },
  forAudience: '适用对象：{audience}',
  redFlags: '警示信号',
  whatToDo: '怎么做',
  reportTitle: '遇到过类似情况？',
  reportText: '请告诉我们。你可以实名、保密或匿名举报，并会得到一个查询码，用来跟进举报的处理情况。',
  reportThis: '我要举报',
  allGuides: '全部指南',
  otherGuides: '其他指南',
  adminTitle: '防范指南',
  adminIntro: '在这里修改指南的中英文内容。保存后立即生效，并记入审计日志。',
  audience: '适用对象',
  guide: '指南',
  lastUpdated: '最近更新',
  edit: '编辑',
  editTitle: '编辑指南：{title}',
  viewPublic: '查看公开页面',
  fieldTitleZh: '标题（中文）',
  fieldTitleEn: '标题（英文）',
  fieldIntroZh: '导语（中文）',
  fieldIntroEn: '导语（英文）',
  fieldRedFlagsZh: '警示信号（中文）',
  fieldRedFlagsEn: '警示信号（英文）',
  fieldWhatToDoZh: '怎么做（中文）',
  fieldWhatToDoEn: '怎么做（英文）',
  fieldReportTopic: '举报主题',
  listHint: '每行一条，最多 {max} 条。',
  topicHint: '“我要举报”按钮打开的问卷：只能用小写字母、数字和连字符（例如 travel）。',
  topicInvalid: '只能使用小写字母、数字和连字符。',
  tooManyItems: '最多 {max} 条，每行一条。',
  itemTooLong: '每行最多 {max} 个字符。',
  saved: '指南已保存，并已在公开页面生效。',
  stale:
    '在你编辑期间，其他人已保存了这份指南。表单中保留了你输入的内容；最新版本见公开页面。请核对后再次保存。',
};

export const guideMessages = catalogue({ en, 'zh-CN': zhCN });
