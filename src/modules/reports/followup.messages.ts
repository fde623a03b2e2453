/** The follow-up mailbox's own words, in both languages. */
import type { ReportStatus } from '../../platform/db/schema.ts';
import { catalogue } from '../../platform/views/i18n/index.ts';

type StatusWords = Record<ReportStatus, { label: string; meaning: string }>;

/** Plain words for what was removed from a file (keys from strip-metadata.ts). */
type RemovedWords = Record<string, string>;

const en = {
  signInTitle: 'Follow up on your report',
  signInIntro:
    'Enter the receipt code you were given when you sent your report. You can then read replies from staff, answer their questions and add information or files.',
  code: 'Receipt code',
  codeHint:
    'Twenty letters and digits. Spaces, dashes and upper or lower case do not matter, and O or I are read as 0 or 1.',
  open: 'Open my report',
  codeFormat: 'A receipt code has 20 letters and digits. Check what you typed.',
  codeUnknown:
    'No report matches this code. Check it and try again. (We cannot find a lost code for you: it is never stored in a readable form.)',
  throttled:
    'Too many wrong codes have been tried on this site recently, so checking is paused for everyone. Please try again in {minutes} minute(s).',
  busy: 'Many people are checking their reports right now. Please try again in a few seconds.',
  throttledTitle: 'Please wait a moment',
  noTracking:
    'Nothing about your device or connection is recorded when you sign in here. Close this page or sign out when you are done, especially on a shared device.',
  signedOut: 'You have left your report. Keep your receipt code safe to come back.',
  expired:
    'You were away for a while, so we closed your report for safety. Enter your code again to continue.',
  mailboxTitle: 'Your report {reference}',
  reference: 'Reference',
  registered: 'Registered',
  status: 'Status',
  expect:
    'Staff aim to confirm receipt within {ack} days and to tell you what they did within {feedback} days.',
  yourAnswers: 'What you reported',
  answersUnavailable: 'The questions of this report could not be shown.',
  yourFiles: 'Files you sent',
  noFiles: 'You have not sent any files.',
  conversation: 'Messages',
  noMessages: 'No messages yet.',
  fromStaff: 'Staff',
  fromYou: 'You',
  fromSystem: 'Automatic message',
  question: 'Question from staff',
  yourAnswer: 'Your answer',
  answered: 'You answered this question.',
  answerLabel: 'Your answer to this question',
  sendAnswer: 'Send answer',
  answerTo: 'In answer to a question',
  replyTitle: 'Write to staff',
  replyLabel: 'Your message',
  replyHint:
    'Add anything you remember, correct something, or ask a question. Do not include details that identify you unless you want to.',
  filesLabel: 'Add files (optional)',
  filesHint:
    'Up to {count} files, each at most {mb} MB: photos, PDF, text, audio, video or office documents. We remove hidden details (such as location) from photos where we can, and tell you what was removed.',
  send: 'Send',
  sent: 'Your message was sent. Staff will see it the next time they open your report.',
  answerSent: 'Your answer was sent.',
  signOut: 'Leave my report',
  nothingToSend: 'Write a message or choose a file to send.',
  textTooLong: 'Your message is too long: at most {max} characters.',
  unknownQuestion: 'That question could not be found. Your text is kept below: send it as a message instead.',
  filesRefused:
    'Nothing was sent, because some files could not be accepted. Your text is kept: fix or remove these files and send again.',
  bodyTooLarge: 'The files together are too large (at most {mb} MB per message). Your text is kept below.',
  malformed: 'The form did not arrive complete. Your text is kept below if it arrived: please send again.',
  fileProblems: {
    'too-large': 'is larger than {mb} MB',
    'type-not-accepted':
      'is not a kind of file we accept (photos, PDF, text, audio, video or office documents)',
    empty: 'is empty',
    'too-many': 'is one file too many: at most {count} per message',
    damaged: 'seems damaged and could not be read',
  } as Record<string, string>,
  fileSize: '{size}',
  removedPrefix: 'Removed: ',
  nothingFound: 'No hidden details were found.',
  removed: {
    exif: 'camera details (EXIF)',
    gps: 'location (GPS)',
    xmp: 'editing details (XMP)',
    iptc: 'captions and credits (IPTC)',
    comments: 'comments',
    'text-notes': 'text notes',
    timestamps: 'timestamps',
    thumbnail: 'preview picture',
    'camera-data': 'other camera data',
    'colour-profile': 'colour profile',
    'app-data': 'application data',
    tags: 'tags (title, artist and similar)',
    'trailing-data': 'hidden data after the end of the file',
    'not-removable':
      'Hidden details (such as author or device) could not be removed from this kind of file: they are kept as sent.',
  } as RemovedWords,
  statuses: {
    received: { label: 'Received', meaning: 'Your report is registered and waiting to be read.' },
    acknowledged: {
      label: 'Acknowledged',
      meaning: 'Staff have read your report and confirmed receiving it.',
    },
    assessing: {
      label: 'Being assessed',
      meaning: 'Staff are checking what you reported and what can be done.',
    },
    addressing: { label: 'Being acted on', meaning: 'Staff are taking action on your report.' },
    concluded: {
      label: 'Concluded',
      meaning: 'Staff have finished with this report. You can still read the messages and write to them.',
    },
  } as StatusWords,
};

export const followUpMessages = catalogue<typeof en>({
  en,
  'zh-CN': {
    signInTitle: '跟进您的举报',
    signInIntro:
      '请输入您提交举报时获得的回执码。之后您可以阅读工作人员的回复、回答他们的问题，并补充信息或文件。',
    code: '回执码',
    codeHint: '共二十个字母和数字。空格、短横线和大小写均不影响，字母 O 和 I 会被视为数字 0 和 1。',
    open: '打开我的举报',
    codeFormat: '回执码由 20 个字母和数字组成。请检查您输入的内容。',
    codeUnknown:
      '没有与此回执码对应的举报。请检查后重试。（我们无法为您找回丢失的回执码：它从不以可读形式保存。）',
    throttled: '近期本站有太多错误的回执码尝试，因此暂停对所有人的核对。请在 {minutes} 分钟后再试。',
    busy: '目前查看举报的人较多，请几秒钟后再试。',
    throttledTitle: '请稍候',
    noTracking:
      '在此登录时，不会记录任何关于您的设备或网络连接的信息。使用完毕请关闭本页或退出，在共用设备上尤其如此。',
    signedOut: '您已退出您的举报。请妥善保管回执码，以便再次查看。',
    expired: '您离开了一段时间，为安全起见我们已关闭您的举报。请重新输入回执码继续。',
    mailboxTitle: '您的举报 {reference}',
    reference: '编号',
    registered: '登记时间',
    status: '状态',
    expect: '工作人员将力争在 {ack} 天内确认收到，并在 {feedback} 天内告诉您处理情况。',
    yourAnswers: '您举报的内容',
    answersUnavailable: '无法显示此举报的问题。',
    yourFiles: '您发送的文件',
    noFiles: '您没有发送任何文件。',
    conversation: '消息',
    noMessages: '暂无消息。',
    fromStaff: '工作人员',
    fromYou: '您',
    fromSystem: '自动消息',
    question: '工作人员的提问',
    yourAnswer: '您的回答',
    answered: '您已回答此问题。',
    answerLabel: '您对此问题的回答',
    sendAnswer: '发送回答',
    answerTo: '回答提问',
    replyTitle: '给工作人员写信',
    replyLabel: '您的消息',
    replyHint: '补充您记起的情况、更正内容或提出问题。除非您愿意，请不要写入能识别您身份的信息。',
    filesLabel: '添加文件（可选）',
    filesHint:
      '最多 {count} 个文件，每个不超过 {mb} MB：照片、PDF、文本、音频、视频或办公文档。我们会尽可能删除照片中的隐藏信息（如位置），并告诉您删除了什么。',
    send: '发送',
    sent: '您的消息已发送。工作人员下次打开您的举报时会看到。',
    answerSent: '您的回答已发送。',
    signOut: '退出我的举报',
    nothingToSend: '请写一条消息或选择要发送的文件。',
    textTooLong: '您的消息太长：最多 {max} 个字符。',
    unknownQuestion: '找不到该问题。您的文字保留在下方：请改为作为消息发送。',
    filesRefused: '由于部分文件无法接受，未发送任何内容。您的文字已保留：请修正或移除这些文件后重新发送。',
    bodyTooLarge: '文件总大小超出限制（每条消息最多 {mb} MB）。您的文字保留在下方。',
    malformed: '表单未完整送达。如已送达，您的文字保留在下方：请重新发送。',
    fileProblems: {
      'too-large': '超过 {mb} MB',
      'type-not-accepted': '不是我们接受的文件类型（照片、PDF、文本、音频、视频或办公文档）',
      empty: '是空文件',
      'too-many': '超出数量：每条消息最多 {count} 个文件',
      damaged: '似乎已损坏，无法读取',
    },
    fileSize: '{size}',
    removedPrefix: '已删除：',
    nothingFound: '未发现隐藏信息。',
    removed: {
      exif: '相机信息（EXIF）',
      gps: '位置（GPS）',
      xmp: '编辑信息（XMP）',
      iptc: '说明和署名（IPTC）',
      comments: '注释',
      'text-notes': '文字备注',
      timestamps: '时间戳',
      thumbnail: '预览图',
      'camera-data': '其他相机数据',
      'colour-profile': '色彩配置',
      'app-data': '应用程序数据',
      tags: '标签（标题、艺术家等）',
      'trailing-data': '文件末尾之后的隐藏数据',
      'not-removable': '无法从此类文件中删除隐藏信息（如作者或设备）：按原样保存。',
    },
    statuses: {
      received: { label: '已收到', meaning: '您的举报已登记，正在等待阅读。' },
      acknowledged: { label: '已确认', meaning: '工作人员已阅读您的举报并确认收到。' },
      assessing: { label: '评估中', meaning: '工作人员正在核查您举报的内容以及可以采取的措施。' },
      addressing: { label: '处理中', meaning: '工作人员正在根据您的举报采取行动。' },
      concluded: { label: '已结束', meaning: '工作人员已完成对此举报的处理。您仍可阅读消息并给他们写信。' },
    },
  },
});

export type FollowUpMessages = typeof en;
