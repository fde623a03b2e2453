/** The case page's words, in both languages. */
import { catalogue } from '../../platform/views/i18n/index.ts';

export type CaseProblem =
  | 'stale'
  | 'gone'
  | 'not-shared'
  | 'text-required'
  | 'text-too-long'
  | 'bad-kind'
  | 'bad-priority'
  | 'label-required'
  | 'label-too-long'
  | 'too-many-labels'
  | 'no-such-label'
  | 'reference-required'
  | 'no-such-case'
  | 'self-link'
  | 'already-linked'
  | 'not-linked'
  | 'supervisors-only'
  | 'no-such-staff'
  | 'not-case-worker'
  | 'no-key'
  | 'bad-stage'
  | 'bad-outcome'
  | 'reason-required'
  | 'cannot-conclude-yet'
  | 'already-concluded'
  | 'approval-pending'
  | 'no-such-approval'
  | 'own-approval'
  | 'assignee-approval'
  | 'bad-decision'
  | 'too-long'
  | 'bad-move';

export interface CaseMessages {
  title: string;
  notSharedTitle: string;
  notSharedBody: string;
  back: string;
  details: string;
  reference: string;
  stage: string;
  priority: string;
  assignee: string;
  unassigned: string;
  channel: string;
  questionnaire: string;
  source: string;
  identityMode: string;
  identityModes: Record<string, string>;
  sources: Record<string, string>;
  registered: string;
  received: string;
  ackDue: string;
  feedbackDue: string;
  acknowledgedAt: string;
  firstReplyAt: string;
  concludedAt: string;
  outcome: string;
  conclusionReason: string;
  purgeAfter: string;
  never: string;
  deadline: string;
  flags: string;
  reporterAtRisk: string;
  protectNamed: string;
  legalHold: string;
  protection: string;
  identity: string;
  hold: string;
  exportPdf: string;
  answers: string;
  answersUnavailable: string;
  files: string;
  noFiles: string;
  download: string;
  timeline: string;
  nothingYet: string;
  who: Record<'reporter' | 'staff' | 'system' | 'note' | 'event', string>;
  kinds: Record<import('../../platform/db/schema.ts').MessageKind, string>;
  noteHidden: string;
  events: Record<string, string>;
  labels: string;
  noLabels: string;
  addLabel: string;
  labelField: string;
  remove: string;
  links: string;
  noLinks: string;
  linkField: string;
  linkHint: string;
  link: string;
  unlink: string;
  linkedFrom: string;
  related: string;
  relatedIntro: string;
  entityKinds: Record<string, string>;
  addNote: string;
  noteField: string;
  noteHint: string;
  saveNote: string;
  writeReporter: string;
  messageField: string;
  messageHint: string;
  sendAs: string;
  asMessage: string;
  asQuestion: string;
  send: string;
  setPriority: string;
  save: string;
  assign: string;
  assignTo: string;
  nobody: string;
  share: string;
  shareButton: string;
  shareWith: string;
  shareHint: string;
  sharedWith: string;
  noKeyYet: string;
  choose: string;
  moveStage: string;
  moveTo: string;
  move: string;
  noMoves: string;
  sendAck: string;
  ackText: { en: string; 'zh-CN': string };
  conclude: string;
  concludeHint: string;
  reasonField: string;
  needsApprovalHint: string;
  concludeButton: string;
  approvals: string;
  waitingApproval: string;
  requestedBy: string;
  approve: string;
  refuse: string;
  cannotDecide: string;
  approvalStates: Record<string, string>;
  flashes: Record<string, string>;
  problems: Record<CaseProblem, string>;
  moveReasons: {
    same: string;
    fromConcluded: string;
    useConclude: string;
    ackFirst: string;
    assessFirst: string;
    assessBeforeConclude: string;
    backToReceived: string;
    other: string;
  };
  conflictTitle: string;
}

const en: CaseMessages = {
  title: 'Case {reference}',
  notSharedTitle: 'Not shared with you',
  notSharedBody:
    'This case has not been shared with you, so you see only its registration details. A supervisor who can read it can share it with you.',
  back: 'All cases',
  details: 'Details',
  reference: 'Reference',
  stage: 'Stage',
  priority: 'Priority',
  assignee: 'Assigned to',
  unassigned: 'Nobody',
  channel: 'Channel',
  questionnaire: 'Questionnaire',
  source: 'How it came',
  identityMode: 'Identity',
  identityModes: { anonymous: 'Anonymous', confidential: 'Confidential', named: 'Named' },
  sources: {
    web: 'Web form',
    api: 'API',
    messaging: 'Messaging',
    phone: 'Phone',
    letter: 'Letter',
    'walk-in': 'Visit',
    referral: 'Referral',
  },
  registered: 'Registered',
  received: 'Made',
  ackDue: 'Acknowledge by',
  feedbackDue: 'Feedback by',
  acknowledgedAt: 'Acknowledged',
  firstReplyAt: 'First reply',
  concludedAt: 'Concluded',
  outcome: 'Outcome',
  conclusionReason: 'Why',
  purgeAfter: 'Content destroyed after',
  never: '—',
  deadline: 'Next deadline',
  flags: 'Flags',
  reporterAtRisk: 'Reporter at risk',
  protectNamed: 'Protect the person named',
  legalHold: 'Legal hold',
  protection: 'Protection checklists',
  identity: "Reporter's identity",
  hold: 'Legal hold',
  exportPdf: 'Export as PDF',
  answers: 'Report',
  answersUnavailable: 'The questionnaire of this report could not be found; the answers cannot be shown.',
  files: 'Files',
  noFiles: 'No files.',
  download: 'Download',
  timeline: 'Timeline',
  nothingYet: 'Nothing yet.',
  who: {
    reporter: 'Reporter',
    staff: 'Staff',
    system: 'Vigil',
    note: 'Internal note',
    event: 'Event',
  },
  kinds: {
    acknowledgement: 'Acknowledgement',
    message: 'Message to the reporter',
    question: 'Question to the reporter',
    answer: "Reporter's answer",
    'consent-request': 'Request for consent to see the identity',
  },
  noteHidden: 'Never shown to the reporter',
  events: {
    'note-added': 'added an internal note',
    'message-sent': 'wrote to the reporter',
    'question-sent': 'asked the reporter a question',
    'priority-set': 'set the priority to {priority}',
    'label-added': 'added the label “{label}”',
    'label-removed': 'removed the label “{label}”',
    linked: 'linked case {reference}',
    unlinked: 'unlinked case {reference}',
    assigned: 'assigned the case to {to}',
    unassigned: 'removed the assignee',
    shared: 'shared the case with {to}',
    moved: 'moved the case from {from} to {to}',
    'conclusion-requested': 'asked for approval to conclude as “{outcome}”',
    'conclusion-approved': 'approved the conclusion “{outcome}”',
    'conclusion-refused': 'refused the conclusion “{outcome}”',
    concluded: 'concluded the case as “{outcome}”',
    'protection-set': 'set the flag “{flag}”',
    'protection-cleared': 'cleared the flag “{flag}”',
    checklist: 'updated the checklist of “{flag}”',
    'legal-hold-set': 'placed the case under legal hold',
    'legal-hold-cleared': 'lifted the legal hold',
    'identity-requested': 'asked to see the reporter’s identity',
    'identity-approved': 'approved a request to see the reporter’s identity',
    'identity-refused': 'refused a request to see the reporter’s identity',
    'identity-read': 'viewed the reporter’s identity',
    'identity-revoked': 'ended an access to the reporter’s identity',
    'identity-consent-asked': 'asked the reporter for consent to see their identity',
    'identity-consent-given': 'the reporter consented to showing their identity',
    'identity-consent-refused': 'the reporter declined to show their identity',
    'identity-consent-withdrawn': 'the reporter withdrew their consent to showing their identity',
    'pdf-exported': 'exported the case as a PDF',
    recovered: 'regained access to the case through a key recovery',
  },
  labels: 'Labels',
  noLabels: 'No labels.',
  addLabel: 'Add label',
  labelField: 'New label',
  remove: 'Remove',
  links: 'Related cases',
  noLinks: 'No related cases.',
  linkField: 'Reference of a related case',
  linkHint: 'For example R-ABCD-2345.',
  link: 'Link',
  unlink: 'Unlink',
  linkedFrom: 'linked from there',
  related: 'Cases naming the same',
  relatedIntro:
    'These cases name the same e-mail address, phone number, domain, organisation or code as this one. They are matched on keyed fingerprints: the values themselves are never stored readable. Read both before linking them.',
  entityKinds: {
    email: 'e-mail address',
    phone: 'phone number',
    domain: 'domain',
    organisation: 'organisation',
    code: 'registration code',
  },
  addNote: 'Internal note',
  noteField: 'Note',
  noteHint: 'Only staff who can read this case see notes. The reporter never does.',
  saveNote: 'Add note',
  writeReporter: 'Write to the reporter',
  messageField: 'Text',
  messageHint: 'The reporter reads this in their mailbox with their receipt code.',
  sendAs: 'Send as',
  asMessage: 'A message',
  asQuestion: 'A question the reporter can answer',
  send: 'Send',
  setPriority: 'Priority',
  save: 'Save',
  assign: 'Assignment',
  assignTo: 'Assign to',
  nobody: 'Nobody',
  share: 'Sharing',
  shareButton: 'Share',
  shareWith: 'Share with',
  shareHint: 'They will be able to read the whole case. The share is recorded in the audit log.',
  sharedWith: 'Can read this case: {names}',
  noKeyYet: '(has not signed in yet)',
  choose: 'Choose…',
  moveStage: 'Stage',
  moveTo: 'Move to',
  move: 'Move',
  noMoves: 'This case can only be concluded from here (see below) or it is concluded.',
  sendAck: 'Send the reporter an acknowledgement message',
  ackText: {
    en: 'Your report has been acknowledged by the staff handling it. They will assess it and keep you informed here.',
    'zh-CN': '负责处理的工作人员已确认收到您的举报。他们将对其进行评估，并在此告知您进展。',
  },
  conclude: 'Conclude',
  concludeHint:
    'Choose the outcome and write why. Knowingly false or malicious and substantiated outcomes need the approval of a supervisor other than you and the assignee.',
  reasonField: 'Written reason',
  needsApprovalHint: 'Needs approval',
  concludeButton: 'Conclude the case',
  approvals: 'Approvals',
  waitingApproval: 'Waiting for a supervisor’s approval to conclude as “{outcome}”.',
  requestedBy: 'Asked by {name}, {when}',
  approve: 'Approve',
  refuse: 'Refuse',
  cannotDecide: 'You asked for this conclusion or are the assignee: another supervisor must decide.',
  approvalStates: { pending: 'Pending', approved: 'Approved', refused: 'Refused', withdrawn: 'Withdrawn' },
  flashes: {
    note: 'Note added.',
    message: 'Message sent to the reporter.',
    question: 'Question sent to the reporter.',
    priority: 'Priority saved.',
    label: 'Label added.',
    unlabel: 'Label removed.',
    link: 'Case linked.',
    unlink: 'Link removed.',
    assigned: 'Assignment saved.',
    shared: 'Case shared.',
    'already-shared': 'The case was already shared with them.',
    moved: 'Stage changed.',
    concluded: 'Case concluded.',
    'approval-requested': 'Waiting for a supervisor’s approval.',
    approved: 'Conclusion approved: the case is concluded.',
    refused: 'Conclusion refused.',
  },
  problems: {
    stale:
      'Someone else changed this case while you were editing; your text is kept below. Check the case and send it again.',
    gone: 'This case no longer exists.',
    'not-shared': 'This case is not shared with you.',
    'text-required': 'Write something first.',
    'text-too-long': 'The text is too long.',
    'bad-kind': 'Choose a message or a question.',
    'bad-priority': 'Choose a priority from the list.',
    'label-required': 'Type a label.',
    'label-too-long': 'A label has at most 40 characters.',
    'too-many-labels': 'A case has at most 20 labels.',
    'no-such-label': 'This case has no such label.',
    'reference-required': 'Type the reference of a case.',
    'no-such-case': 'No case has this reference.',
    'self-link': 'A case cannot be linked to itself.',
    'already-linked': 'These cases are already linked.',
    'not-linked': 'These cases are not linked.',
    'supervisors-only': 'Only supervisors can do this.',
    'no-such-staff': 'Choose a person from the list.',
    'not-case-worker': 'Cases can only go to handlers and supervisors.',
    'no-key':
      'This person has not signed in yet, so they hold no key and the case cannot be sealed to them. Ask them to sign in once, then try again.',
    'bad-stage': 'Choose a stage from the list.',
    'bad-outcome': 'Choose an outcome from the list.',
    'reason-required': 'Write why the case ends with this outcome.',
    'cannot-conclude-yet': 'A case must be assessed before it is concluded.',
    'already-concluded': 'This case is already concluded.',
    'approval-pending': 'A conclusion of this case is already waiting for approval.',
    'no-such-approval': 'This approval is not pending any more.',
    'own-approval': 'You asked for this conclusion: a supervisor other than you must approve it.',
    'assignee-approval':
      'You are the assignee of this case: a supervisor other than the assignee must approve it.',
    'bad-decision': 'Choose approve or refuse.',
    'too-long': 'Something you sent was too long; the rest is kept below.',
    'bad-move': 'This move is not allowed.',
  },
  moveReasons: {
    same: 'The case is already in this stage.',
    fromConcluded: 'A concluded case cannot change stage.',
    useConclude: 'Conclude a case with the conclusion form: it needs an outcome and a written reason.',
    ackFirst: 'A case must be acknowledged before it is assessed.',
    assessFirst: 'A case must be assessed before it is addressed.',
    assessBeforeConclude: 'A case must be assessed before it is concluded.',
    backToReceived: 'A case cannot go back to received.',
    other: 'This move is not allowed: from {from} a case can go to {to}.',
  },
  conflictTitle: 'The case changed',
};

const zh: CaseMessages = {
  title: '案件 {reference}',
  notSharedTitle: '未与您共享',
  notSharedBody: '此案件尚未与您共享，您只能看到登记信息。能够阅读此案件的主管可以与您共享。',
  back: '全部案件',
  details: '基本信息',
  reference: '编号',
  stage: '阶段',
  priority: '优先级',
  assignee: '承办人',
  unassigned: '无',
  channel: '渠道',
  questionnaire: '问卷',
  source: '来源',
  identityMode: '身份',
  identityModes: { anonymous: '匿名', confidential: '保密', named: '实名' },
  sources: {
    web: '网页表单',
    api: 'API',
    messaging: '即时通讯',
    phone: '电话',
    letter: '信件',
    'walk-in': '来访',
    referral: '移送',
  },
  registered: '登记时间',
  received: '举报时间',
  ackDue: '确认期限',
  feedbackDue: '反馈期限',
  acknowledgedAt: '确认时间',
  firstReplyAt: '首次回复',
  concludedAt: '结案时间',
  outcome: '结果',
  conclusionReason: '理由',
  purgeAfter: '内容销毁时间',
  never: '—',
  deadline: '下一期限',
  flags: '标记',
  reporterAtRisk: '举报人面临风险',
  protectNamed: '保护被举报人',
  legalHold: '法律保全',
  protection: '保护清单',
  identity: '举报人身份',
  hold: '法律保全',
  exportPdf: '导出 PDF',
  answers: '举报内容',
  answersUnavailable: '找不到此举报的问卷，无法显示回答。',
  files: '文件',
  noFiles: '没有文件。',
  download: '下载',
  timeline: '时间线',
  nothingYet: '暂无记录。',
  who: { reporter: '举报人', staff: '工作人员', system: 'Vigil', note: '内部备注', event: '事件' },
  kinds: {
    acknowledgement: '确认收到',
    message: '致举报人的消息',
    question: '向举报人提问',
    answer: '举报人的回答',
    'consent-request': '请求同意查看身份',
  },
  noteHidden: '举报人永远看不到',
  events: {
    'note-added': '添加了内部备注',
    'message-sent': '给举报人写了消息',
    'question-sent': '向举报人提了问题',
    'priority-set': '将优先级设为{priority}',
    'label-added': '添加了标签“{label}”',
    'label-removed': '删除了标签“{label}”',
    linked: '关联了案件 {reference}',
    unlinked: '取消关联案件 {reference}',
    assigned: '将案件分配给 {to}',
    unassigned: '取消了承办人',
    shared: '与 {to} 共享了案件',
    moved: '将案件从“{from}”移至“{to}”',
    'conclusion-requested': '申请以“{outcome}”结案',
    'conclusion-approved': '批准以“{outcome}”结案',
    'conclusion-refused': '拒绝以“{outcome}”结案',
    concluded: '以“{outcome}”结案',
    'protection-set': '设置了标记“{flag}”',
    'protection-cleared': '取消了标记“{flag}”',
    checklist: '更新了“{flag}”的核查清单',
    'legal-hold-set': '对案件实施法律保全',
    'legal-hold-cleared': '解除了法律保全',
    'identity-requested': '申请查看举报人身份',
    'identity-approved': '批准了查看举报人身份的申请',
    'identity-refused': '拒绝了查看举报人身份的申请',
    'identity-read': '查看了举报人身份',
    'identity-revoked': '终止了对举报人身份的查看权限',
    'identity-consent-asked': '请求举报人同意查看其身份',
    'identity-consent-given': '举报人同意显示其身份',
    'identity-consent-refused': '举报人不同意显示其身份',
    'identity-consent-withdrawn': '举报人撤回了显示其身份的同意',
    'pdf-exported': '将案件导出为 PDF',
    recovered: '通过密钥恢复重新获得案件访问权限',
  },
  labels: '标签',
  noLabels: '没有标签。',
  addLabel: '添加标签',
  labelField: '新标签',
  remove: '删除',
  links: '相关案件',
  noLinks: '没有相关案件。',
  linkField: '相关案件编号',
  linkHint: '例如 R-ABCD-2345。',
  link: '关联',
  unlink: '取消关联',
  linkedFrom: '由对方关联',
  related: '涉及相同信息的案件',
  relatedIntro:
    '以下案件与本案涉及相同的电子邮箱、电话号码、域名、机构或代码。匹配基于加密指纹，数据库中不保存可读的原值。关联前请分别阅读两个案件。',
  entityKinds: {
    email: '电子邮箱',
    phone: '电话号码',
    domain: '域名',
    organisation: '机构',
    code: '登记代码',
  },
  addNote: '内部备注',
  noteField: '备注',
  noteHint: '只有能阅读此案件的工作人员能看到备注，举报人永远看不到。',
  saveNote: '添加备注',
  writeReporter: '给举报人写信',
  messageField: '内容',
  messageHint: '举报人凭回执码在信箱中阅读。',
  sendAs: '发送方式',
  asMessage: '消息',
  asQuestion: '举报人可以回答的问题',
  send: '发送',
  setPriority: '优先级',
  save: '保存',
  assign: '分配',
  assignTo: '分配给',
  nobody: '无',
  share: '共享',
  shareButton: '共享',
  shareWith: '共享给',
  shareHint: '对方将能阅读整个案件。共享会记入审计日志。',
  sharedWith: '可以阅读此案件：{names}',
  noKeyYet: '（尚未登录过）',
  choose: '请选择…',
  moveStage: '阶段',
  moveTo: '移至',
  move: '移动',
  noMoves: '此案件在当前阶段只能结案（见下文），或已结案。',
  sendAck: '向举报人发送确认消息',
  ackText: en.ackText,
  conclude: '结案',
  concludeHint: '选择结果并写明理由。“明知虚假或恶意举报”和“查证属实”需要您和承办人以外的主管批准。',
  reasonField: '书面理由',
  needsApprovalHint: '需要批准',
  concludeButton: '结案',
  approvals: '审批',
  waitingApproval: '正在等待主管批准以“{outcome}”结案。',
  requestedBy: '由 {name} 于 {when} 申请',
  approve: '批准',
  refuse: '拒绝',
  cannotDecide: '您是此结案的申请人或承办人，须由其他主管决定。',
  approvalStates: { pending: '待批准', approved: '已批准', refused: '已拒绝', withdrawn: '已撤回' },
  flashes: {
    note: '备注已添加。',
    message: '消息已发送给举报人。',
    question: '问题已发送给举报人。',
    priority: '优先级已保存。',
    label: '标签已添加。',
    unlabel: '标签已删除。',
    link: '案件已关联。',
    unlink: '关联已取消。',
    assigned: '分配已保存。',
    shared: '案件已共享。',
    'already-shared': '此案件已与对方共享。',
    moved: '阶段已更改。',
    concluded: '案件已结案。',
    'approval-requested': '正在等待主管批准。',
    approved: '结案已批准，案件已结案。',
    refused: '结案已被拒绝。',
  },
  problems: {
    stale: '在您编辑期间，其他人修改了此案件；您输入的内容保留在下方。请查看案件后重新提交。',
    gone: '此案件已不存在。',
    'not-shared': '此案件未与您共享。',
    'text-required': '请先填写内容。',
    'text-too-long': '内容过长。',
    'bad-kind': '请选择消息或问题。',
    'bad-priority': '请从列表中选择优先级。',
    'label-required': '请输入标签。',
    'label-too-long': '标签最多 40 个字符。',
    'too-many-labels': '一个案件最多 20 个标签。',
    'no-such-label': '此案件没有这个标签。',
    'reference-required': '请输入案件编号。',
    'no-such-case': '没有此编号的案件。',
    'self-link': '案件不能与自身关联。',
    'already-linked': '这两个案件已经关联。',
    'not-linked': '这两个案件没有关联。',
    'supervisors-only': '只有主管可以执行此操作。',
    'no-such-staff': '请从列表中选择人员。',
    'not-case-worker': '案件只能交给承办人或主管。',
    'no-key': '此人尚未登录过，没有密钥，无法将案件加密给对方。请对方先登录一次，然后重试。',
    'bad-stage': '请从列表中选择阶段。',
    'bad-outcome': '请从列表中选择结果。',
    'reason-required': '请写明以此结果结案的理由。',
    'cannot-conclude-yet': '案件必须先经评估才能结案。',
    'already-concluded': '此案件已结案。',
    'approval-pending': '此案件已有结案申请在等待批准。',
    'no-such-approval': '此审批已不在待处理状态。',
    'own-approval': '此结案由您申请，须由您以外的主管批准。',
    'assignee-approval': '您是此案件的承办人，须由承办人以外的主管批准。',
    'bad-decision': '请选择批准或拒绝。',
    'too-long': '您提交的部分内容过长；其余内容保留在下方。',
    'bad-move': '不允许此操作。',
  },
  moveReasons: {
    same: '案件已处于此阶段。',
    fromConcluded: '已结案的案件不能更改阶段。',
    useConclude: '请使用结案表单结案：需要结果和书面理由。',
    ackFirst: '案件必须先确认才能评估。',
    assessFirst: '案件必须先评估才能处理。',
    assessBeforeConclude: '案件必须先经评估才能结案。',
    backToReceived: '案件不能退回“已收到”。',
    other: '不允许此操作：案件只能从“{from}”移至“{to}”。',
  },
  conflictTitle: '案件已被更改',
};

export const caseMessages = catalogue({ en, 'zh-CN': zh });
