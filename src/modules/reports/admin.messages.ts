/** Messages of the admin pages for channels, recipients and questionnaires, in both languages. */
import { catalogue, fill, type Lang } from '../../platform/views/i18n/index.ts';
import type { DefinitionProblem, Problem, Problems } from './admin.forms.ts';

const en = {
  channelsTitle: 'Reporting channels',
  channelsIntro:
    'A channel receives reports and seals each one to the keys of its recipients: only they can read it. It takes reports from the public only when it is open and at least one recipient holds a key.',
  noneAccepting:
    'No channel accepts reports at the moment: the public report form cannot take a report. Each channel below says why.',
  noChannels: 'There are no channels yet.',
  newChannel: 'New channel',
  manageQuestionnaires: 'Questionnaires',
  name: 'Name',
  status: 'Status',
  state: 'Taking reports?',
  recipients: 'Recipients',
  deadlines: 'Deadlines',
  questionnaires: 'Questionnaires',
  open: 'Open',
  closed: 'Closed',
  accepting: 'Accepting reports',
  notAccepting: 'Not accepting reports',
  because: 'Why:',
  keyColumn: 'Key',
  colon: ': ',
  deadlineText: 'Acknowledge within {ack} days; feedback within {feedback} days',
  none: 'None',
  edit: 'Edit',
  blocks: {
    closed: 'The channel is closed.',
    'no-recipients': 'It has no recipients: add at least one staff member who will read its reports.',
    'no-key':
      'None of its recipients holds a key yet. A recipient gets a key when they sign in for the first time (or again after a password reset); until then no report can be sealed to them.',
    'recipients-disabled': 'Recipients whose accounts are disabled cannot read reports.',
  } as Record<string, string>,
  recipientStates: {
    ready: 'holds a key',
    invited: 'has not signed in yet: no key',
    'no-key': 'no key yet: gets one at the next sign-in',
    disabled: 'account disabled',
  } as Record<string, string>,
  // Channel form
  newChannelTitle: 'New channel',
  channelTitle: 'Channel: {name}',
  fieldId: 'Identifier',
  idHint: 'Lower-case letters, digits and dashes, for example "main". It cannot be changed later.',
  fieldNameZh: 'Name (Chinese)',
  fieldNameEn: 'Name (English)',
  fieldDescriptionZh: 'Description (Chinese)',
  fieldDescriptionEn: 'Description (English)',
  descriptionHint: 'Shown to reporters when they choose what to report. Optional.',
  fieldAckDays: 'Days to acknowledge a report',
  ackHint:
    'The reporter is told that the report was received and is being looked at within this many days. Usually 7.',
  fieldFeedbackDays: 'Days to give feedback',
  feedbackHint:
    'Within this many days the reporter is told what was done about the report. Usually 90 (three months).',
  fieldMaxPerMinute: 'Reports per minute, at most',
  maxHint:
    'From all reporters together; when reached, reporters are asked to try again in a moment. Protects against floods.',
  fieldPosition: 'Position',
  positionHint: 'Lower numbers are listed first.',
  fieldStatus: 'Status',
  statusHint:
    'An open channel takes reports from the public. A closed one does not; staff can still record a report for it if a recipient holds a key.',
  create: 'Create',
  save: 'Save',
  cancel: 'Cancel',
  channelCreated: 'The channel is created. It is closed: add its recipients, then open it.',
  channelSaved: 'The channel is saved.',
  channelStale:
    'Someone else saved this channel while you were editing. What you typed is still in the form; what is saved now is shown below it. Check both, then save again.',
  savedNow: 'Saved now',
  idTaken: 'A channel with this identifier already exists.',
  cannotOpen: 'The channel cannot be opened, because:',
  cannotOpenNew: 'A new channel has no recipients yet: create it closed, add recipients, then open it.',
  // Recipients
  recipientsIntro:
    'Every report of this channel is sealed to the key of each recipient who holds one. New-report notices go to their e-mail addresses and carry no report content.',
  noRecipients: 'This channel has no recipients.',
  staffMember: 'Staff member',
  notices: 'Notices to',
  noEmail: 'no e-mail address: gets no notices',
  added: 'Added',
  addRecipient: 'Add a recipient',
  chooseStaff: 'Choose a staff member',
  addButton: 'Add',
  remove: 'Remove',
  removeLabel: 'Remove {name}',
  noStaffLeft: 'Every staff member who is not disabled is already a recipient.',
  recipientAdded: 'The recipient is added.',
  recipientRemoved: 'The recipient is removed.',
  lastKeyHolder:
    'This is the last recipient who holds a key, and the channel is open: its reports would have nowhere to go. Add another recipient first, or close the channel.',
  unknownStaff: 'That staff member does not exist or is disabled.',
  alreadyRecipient: 'That person is already a recipient.',
  notRecipient: 'That person is not a recipient of this channel.',
  // Questionnaires
  questionnairesTitle: 'Questionnaires',
  questionnairesIntro:
    'What reporters are asked, step by step. Editing the questions saves a new version: earlier versions are kept unchanged, and every report records the version it answered.',
  noQuestionnaires: 'There are no questionnaires yet.',
  newQuestionnaire: 'New questionnaire',
  title: 'Title',
  channel: 'Channel',
  kind: 'Kind',
  topics: 'Topics',
  version: 'Version',
  kinds: {
    report: 'Report',
    'self-disclosure': 'Self-disclosure',
    complaint: 'Complaint',
  } as Record<string, string>,
  kindHint:
    'A self-disclosure ("I was approached or pressured") is kept apart from reports about others. A complaint is about how a report was handled.',
  active: 'Active',
  retired: 'Retired',
  uncovered:
    'Pages of the site link to these report topics, but no active questionnaire of a channel that takes reports answers them (reporters then see the full list):',
  preview: 'Preview',
  unreadable: '(the stored definition cannot be read)',
  newQuestionnaireTitle: 'New questionnaire',
  editQuestionnaireTitle: 'Edit questionnaire: {title}',
  fieldQuestionnaireId: 'Identifier',
  fieldChannel: 'Channel',
  chooseChannel: 'Choose a channel',
  fieldKind: 'Kind',
  fieldTopics: 'Topics',
  topicsHint:
    'Separated by commas, for example "recruitment, travel". "Report this" links on guides and posts open /report?topic=<topic>. A topic belongs to one active questionnaire.',
  fieldQStatus: 'Status',
  qStatusHint: 'A retired questionnaire is no longer offered to reporters; its reports stay readable.',
  fieldDefinition: 'Definition (JSON)',
  definitionHint:
    'Steps and questions, every text in both languages ("en" and "zh-CN"). Question types: short-text, long-text, single-choice, multiple-choice, date, date-range, location, yes-no, file. A question may have "help", "required", "options" (choice questions) and "showIf" (shown when an earlier choice or yes/no question has one of the given answers).',
  definitionProblems: 'The definition has {n} problem(s):',
  jsonSyntax: 'This is not valid JSON ({where}): {detail}',
  jsonAt: 'line {line}, column {column}',
  jsonNowhere: 'position unknown',
  topicTaken: 'The topic "{topic}" already belongs to the active questionnaire "{id}".',
  questionnaireCreated: 'The questionnaire is created as version 1.',
  newVersionSaved: 'Saved as version {n}. Earlier versions are kept unchanged.',
  savedNoNewVersion: 'Saved. The questions did not change, so no new version was made.',
  questionnaireStale:
    'Someone else saved this questionnaire while you were editing (it is now at version {n}). What you typed is still in the form. Check the current version, then save again.',
  questionnaireIdTaken: 'A questionnaire with this identifier already exists.',
  unknownChannel: 'Choose one of the channels offered.',
  history: 'Version history',
  versionN: 'Version {n}',
  current: 'current',
  savedAt: 'saved {date}',
  savedBy: 'by {who}',
  viewingOld: 'You are viewing version {n}, kept as it was. The current version is {current}.',
  viewCurrent: 'View the current version',
  step: 'Step {n}',
  required: 'Required',
  optional: 'Optional',
  showIf: 'Shown only when "{question}" is answered: {values}',
  maxLength: 'At most {n} characters',
  options: 'Answers offered',
  help: 'Help',
  questionTypes: {
    'short-text': 'Short text',
    'long-text': 'Long text',
    'single-choice': 'Single choice',
    'multiple-choice': 'Multiple choice',
    date: 'Date',
    'date-range': 'Date range',
    location: 'Coarse location (city or district)',
    'yes-no': 'Yes or no',
    file: 'File upload',
  } as Record<string, string>,
  yes: 'Yes',
  no: 'No',
  editThis: 'Edit (saves a new version)',
  back: 'Back',
  // Form problems
  problems: {
    required: 'This field is required.',
    'too-long': 'This is too long: at most {max} characters.',
    slug: 'Use lower-case letters, digits and dashes, starting and ending with a letter or digit (at most 40).',
    number: 'Enter a whole number from {min} to {max}.',
    'feedback-before-ack': 'Feedback cannot be due before the acknowledgement.',
    choice: 'Choose one of the options offered.',
    topics: 'Topics are lower-case letters, digits and dashes, separated by commas.',
    'too-many-topics': 'At most {max} topics.',
  } as Record<string, string>,
  requestTooLong: 'A field was longer than we accept. It has been shortened: check it before saving again.',
  invalidForm: 'The form was not complete. Open the page again and retry.',
  fixErrors: 'Please correct the following:',
};

const zhCN: typeof en = {
  channelsTitle: '举报渠道',
  channelsIntro:
    '举报渠道接收举报，并将每一份举报用其接收人的密钥加密封存：只有接收人能够阅读。只有在渠道处于开放状态、且至少有一名接收人持有密钥时，渠道才接受公众举报。',
  noneAccepting: '目前没有任何渠道接受举报：公众举报表单无法提交举报。下面每个渠道都说明了原因。',
  noChannels: '还没有举报渠道。',
  newChannel: '新建渠道',
  manageQuestionnaires: '问卷',
  name: '名称',
  status: '状态',
  state: '是否接受举报',
  recipients: '接收人',
  deadlines: '时限',
  questionnaires: '问卷',
  open: '开放',
  closed: '关闭',
  accepting: '正在接受举报',
  notAccepting: '不接受举报',
  because: '原因：',
  keyColumn: '密钥',
  colon: '：',
  deadlineText: '{ack}日内确认受理；{feedback}日内反馈',
  none: '无',
  edit: '编辑',
  blocks: {
    closed: '渠道处于关闭状态。',
    'no-recipients': '渠道没有接收人：请至少添加一名负责阅读举报的工作人员。',
    'no-key':
      '接收人都还没有密钥。接收人首次登录（或重置密码后再次登录）时才会生成密钥；在此之前，任何举报都无法加密发送给他们。',
    'recipients-disabled': '账号已停用的接收人无法阅读举报。',
  },
  recipientStates: {
    ready: '持有密钥',
    invited: '尚未登录：没有密钥',
    'no-key': '暂无密钥：下次登录时生成',
    disabled: '账号已停用',
  },
  newChannelTitle: '新建渠道',
  channelTitle: '渠道：{name}',
  fieldId: '标识',
  idHint: '只能使用小写字母、数字和连字符，例如“main”。创建后不能更改。',
  fieldNameZh: '名称（中文）',
  fieldNameEn: '名称（英文）',
  fieldDescriptionZh: '说明（中文）',
  fieldDescriptionEn: '说明（英文）',
  descriptionHint: '举报人选择举报内容时会看到。可不填。',
  fieldAckDays: '确认受理的期限（日）',
  ackHint: '在这个天数内告知举报人：举报已收到并正在处理。通常为7日。',
  fieldFeedbackDays: '反馈的期限（日）',
  feedbackHint: '在这个天数内告知举报人举报的处理情况。通常为90日（三个月）。',
  fieldMaxPerMinute: '每分钟最多接收举报数',
  maxHint: '所有举报人合计；达到上限时，请举报人稍后再试。用于防止恶意刷量。',
  fieldPosition: '排序',
  positionHint: '数字越小越靠前。',
  fieldStatus: '状态',
  statusHint:
    '开放的渠道接受公众举报；关闭的渠道不接受。只要有接收人持有密钥，工作人员仍可为关闭的渠道登记举报。',
  create: '创建',
  save: '保存',
  cancel: '取消',
  channelCreated: '渠道已创建，目前处于关闭状态：请先添加接收人，再开放渠道。',
  channelSaved: '渠道已保存。',
  channelStale:
    '在你编辑期间，其他人已保存了这个渠道。表单中保留了你输入的内容；目前已保存的内容显示在表单下方。请核对后再次保存。',
  savedNow: '目前已保存的内容',
  idTaken: '已有使用这个标识的渠道。',
  cannotOpen: '渠道无法开放，原因如下：',
  cannotOpenNew: '新渠道还没有接收人：请先以关闭状态创建，添加接收人后再开放。',
  recipientsIntro:
    '本渠道的每一份举报都会用每位持有密钥的接收人的密钥加密封存。新举报通知发送到他们的电子邮箱，通知中不含任何举报内容。',
  noRecipients: '本渠道没有接收人。',
  staffMember: '工作人员',
  notices: '通知发送至',
  noEmail: '未填写电子邮箱：不会收到通知',
  added: '添加时间',
  addRecipient: '添加接收人',
  chooseStaff: '请选择工作人员',
  addButton: '添加',
  remove: '移除',
  removeLabel: '移除{name}',
  noStaffLeft: '所有未停用的工作人员都已是接收人。',
  recipientAdded: '已添加接收人。',
  recipientRemoved: '已移除接收人。',
  lastKeyHolder:
    '这是最后一位持有密钥的接收人，而渠道正处于开放状态：移除后，举报将无人可以阅读。请先添加其他接收人，或先关闭渠道。',
  unknownStaff: '该工作人员不存在或已停用。',
  alreadyRecipient: '此人已是接收人。',
  notRecipient: '此人不是本渠道的接收人。',
  questionnairesTitle: '问卷',
  questionnairesIntro:
    '问卷决定举报人需要逐步回答哪些问题。修改问题会保存为新版本：旧版本原样保留，每一份举报都记录它所回答的版本。',
  noQuestionnaires: '还没有问卷。',
  newQuestionnaire: '新建问卷',
  title: '标题',
  channel: '渠道',
  kind: '类别',
  topics: '主题',
  version: '版本',
  kinds: {
    report: '举报',
    'self-disclosure': '自述（本人被接触或施压）',
    complaint: '投诉',
  },
  kindHint: '自述（“我被接触或被施压”）与针对他人的举报分开保存。投诉是针对举报处理方式的投诉。',
  active: '启用',
  retired: '停用',
  uncovered:
    '网站页面链接到了以下举报主题，但没有任何接受举报的渠道中的启用问卷对应这些主题（举报人将看到完整列表）：',
  preview: '预览',
  unreadable: '（已保存的定义无法读取）',
  newQuestionnaireTitle: '新建问卷',
  editQuestionnaireTitle: '编辑问卷：{title}',
  fieldQuestionnaireId: '标识',
  fieldChannel: '渠道',
  chooseChannel: '请选择渠道',
  fieldKind: '类别',
  fieldTopics: '主题',
  topicsHint:
    '用逗号分隔，例如“recruitment, travel”。指南和文章中的“举报”链接会打开 /report?topic=<主题>。一个主题只能属于一份启用的问卷。',
  fieldQStatus: '状态',
  qStatusHint: '停用的问卷不再向举报人提供；已收到的举报仍可阅读。',
  fieldDefinition: '问卷定义（JSON）',
  definitionHint:
    '步骤和问题，所有文字都须有中英两种语言（"zh-CN" 和 "en"）。问题类型：short-text（短文本）、long-text（长文本）、single-choice（单选）、multiple-choice（多选）、date（日期）、date-range（日期范围）、location（大致地点）、yes-no（是/否）、file（上传文件）。问题可以有 "help"（帮助说明）、"required"（必答）、"options"（选择题的选项）和 "showIf"（当前面某个选择题或是/否题的回答为指定值之一时才显示）。',
  definitionProblems: '问卷定义有 {n} 处问题：',
  jsonSyntax: '这不是有效的 JSON（{where}）：{detail}',
  jsonAt: '第 {line} 行第 {column} 列',
  jsonNowhere: '位置不明',
  topicTaken: '主题“{topic}”已属于启用的问卷“{id}”。',
  questionnaireCreated: '问卷已创建，为第1版。',
  newVersionSaved: '已保存为第{n}版。旧版本原样保留。',
  savedNoNewVersion: '已保存。问题没有变化，因此没有生成新版本。',
  questionnaireStale:
    '在你编辑期间，其他人已保存了这份问卷（现为第{n}版）。表单中保留了你输入的内容。请查看当前版本，核对后再次保存。',
  questionnaireIdTaken: '已有使用这个标识的问卷。',
  unknownChannel: '请从列出的渠道中选择。',
  history: '版本记录',
  versionN: '第{n}版',
  current: '当前版本',
  savedAt: '保存于 {date}',
  savedBy: '保存人：{who}',
  viewingOld: '你正在查看第{n}版（原样保留）。当前版本为第{current}版。',
  viewCurrent: '查看当前版本',
  step: '第{n}步',
  required: '必答',
  optional: '选答',
  showIf: '仅当“{question}”的回答为以下之一时显示：{values}',
  maxLength: '最多 {n} 个字符',
  options: '可选答案',
  help: '帮助说明',
  questionTypes: {
    'short-text': '短文本',
    'long-text': '长文本',
    'single-choice': '单选',
    'multiple-choice': '多选',
    date: '日期',
    'date-range': '日期范围',
    location: '大致地点（城市或区县）',
    'yes-no': '是或否',
    file: '上传文件',
  },
  yes: '是',
  no: '否',
  editThis: '编辑（保存为新版本）',
  back: '返回',
  problems: {
    required: '此项为必填。',
    'too-long': '内容太长：最多 {max} 个字符。',
    slug: '只能使用小写字母、数字和连字符，以字母或数字开头和结尾（最多40个字符）。',
    number: '请输入 {min} 到 {max} 之间的整数。',
    'feedback-before-ack': '反馈期限不能早于确认受理期限。',
    choice: '请从列出的选项中选择。',
    topics: '主题只能使用小写字母、数字和连字符，用逗号分隔。',
    'too-many-topics': '最多 {max} 个主题。',
  },
  requestTooLong: '有字段超出了允许的长度，已被截短：请检查后再保存。',
  invalidForm: '表单不完整。请重新打开页面再试。',
  fixErrors: '请更正以下问题：',
};

export const adminMessages = catalogue({ en, 'zh-CN': zhCN });
export type AdminMessages = typeof en;

export function problemText(m: AdminMessages, p: Problem): string {
  return fill(m.problems[p.code] ?? m.problems.choice!, p as unknown as Record<string, number>);
}

export function errorsOf(m: AdminMessages, problems: Problems): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, p] of Object.entries(problems)) out[k] = problemText(m, p);
  return out;
}

// The questionnaire checker (questionnaire.ts) words its errors in English; Chinese-speaking admins
// read them through these patterns. Anything not matched is shown as it is.
const ZH_TYPES: Record<string, string> = {
  string: '文本',
  object: '对象',
  array: '数组',
  number: '数字',
  boolean: '布尔值（true 或 false）',
  undefined: '空（缺少此项）',
  null: 'null',
  int: '整数',
};
const zhType = (t: string) => ZH_TYPES[t] ?? t;
const ZH_PATTERNS: [RegExp, (...g: string[]) => string][] = [
  [
    /^Invalid input: expected (\w+), received (\w+)$/,
    (a, b) => `类型不对：应为${zhType(a!)}，实际为${zhType(b!)}`,
  ],
  [/^Too small: expected string to have >=(\d+) characters?$/, (n) => `太短：至少需要 ${n} 个字符`],
  [/^Too big: expected string to have <=(\d+) characters?$/, (n) => `太长：最多 ${n} 个字符`],
  [/^Too small: expected array to have >=(\d+) items?$/, (n) => `太少：至少需要 ${n} 项`],
  [/^Too big: expected array to have <=(\d+) items?$/, (n) => `太多：最多 ${n} 项`],
  [/^Too small: expected number to be >=(\d+)$/, (n) => `太小：不能小于 ${n}`],
  [/^Too big: expected number to be <=(\d+)$/, (n) => `太大：不能大于 ${n}`],
  [/^Invalid option: expected one of (.+)$/, (o) => `无效的取值：应为以下之一：${o}`],
  [/^Unrecognized keys?: (.+)$/, (k) => `无法识别的字段：${k}`],
  [/^Invalid string: must match pattern (.+)$/, (p) => `格式不对：须符合 ${p}`],
  [/^Invalid input$/, () => '输入无效'],
  [
    /^must be lower-case letters, digits and dashes, starting with a letter$/,
    () => '只能使用小写字母、数字和连字符，并以字母开头',
  ],
  [/^must be lower-case letters, digits and dashes$/, () => '只能使用小写字母、数字和连字符'],
  [/^"(.*)" is used twice$/, (v) => `“${v}”重复使用`],
  [/^a ([\w-]+) question needs at least two options$/, (t) => `${t} 类型的问题至少需要两个选项（options）`],
  [
    /^only choice questions have options$/,
    () => '只有选择题（single-choice、multiple-choice）才能有选项（options）',
  ],
  [/^two options share a value$/, () => '有两个选项的 value 相同'],
  [/^"(.*)" must be an earlier question$/, (q) => `“${q}”必须是排在前面的问题`],
  [/^"(.*)" is not a choice or yes\/no question$/, (q) => `“${q}”不是选择题或是/否题`],
  [/^"(.*)" is not an answer of "(.*)"$/, (v, q) => `“${v}”不是问题“${q}”的可选答案`],
];

/** One definition error ("path: message") in the admin's language; the path stays as written. */
export function definitionErrorText(lang: Lang, error: string): string {
  if (lang === 'en') return error.replace(/^\(top\)/, '(whole definition)');
  const at = error.indexOf(': ');
  const path = at === -1 ? '' : error.slice(0, at);
  const message = at === -1 ? error : error.slice(at + 2);
  let worded = message;
  for (const [re, word] of ZH_PATTERNS) {
    const m = re.exec(message);
    if (m) {
      worded = word(...m.slice(1));
      break;
    }
  }
  const where = path === '(top)' ? '（整个定义）' : path;
  return where ? `${where}：${worded}` : worded;
}

export function definitionProblemTexts(
  lang: Lang,
  m: AdminMessages,
  p: DefinitionProblem | { kind: 'required' } | { kind: 'too-long'; max: number },
): string[] {
  if (p.kind === 'required') return [m.problems.required!];
  if (p.kind === 'too-long') return [fill(m.problems['too-long']!, { max: p.max })];
  if (p.kind === 'json') {
    const where =
      p.line !== undefined && p.column !== undefined
        ? fill(m.jsonAt, { line: p.line, column: p.column })
        : m.jsonNowhere;
    return [fill(m.jsonSyntax, { where, detail: p.detail })];
  }
  return p.errors.map((e) => definitionErrorText(lang, e));
}
