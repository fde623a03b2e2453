/** Names of the workflow's stages, outcomes, priorities and deadline states, in both languages. */
import type { CaseOutcome, ReportStatus } from '../../platform/db/schema.ts';
import { catalogue } from '../../platform/views/i18n/index.ts';
import type { DeadlineState } from './workflow.ts';

interface Labels {
  status: Record<ReportStatus, string>;
  outcome: Record<CaseOutcome, string>;
  priority: Record<number, string>;
  deadline: Record<DeadlineState, string>;
}

const en: Labels = {
  status: {
    received: 'Received',
    acknowledged: 'Acknowledged',
    assessing: 'Assessing',
    addressing: 'Addressing',
    concluded: 'Concluded',
  },
  outcome: {
    substantiated: 'Substantiated',
    unsubstantiated: 'Unsubstantiated, made in good faith',
    'insufficient-information': 'Insufficient information',
    referred: 'Referred elsewhere',
    duplicate: 'Duplicate',
    'out-of-scope': 'Out of scope',
    'false-or-malicious': 'Knowingly false or malicious',
  },
  priority: { 1: 'Low', 2: 'Normal', 3: 'High', 4: 'Urgent' },
  deadline: { overdue: 'Overdue', 'due-soon': 'Due soon', 'on-time': 'On time', none: 'No deadline' },
};

const zh: Labels = {
  status: {
    received: '已收到',
    acknowledged: '已确认',
    assessing: '评估中',
    addressing: '处理中',
    concluded: '已结案',
  },
  outcome: {
    substantiated: '查证属实',
    unsubstantiated: '未能证实（善意举报）',
    'insufficient-information': '信息不足',
    referred: '已移交其他机关',
    duplicate: '重复举报',
    'out-of-scope': '不属受理范围',
    'false-or-malicious': '明知虚假或恶意举报',
  },
  priority: { 1: '低', 2: '普通', 3: '高', 4: '紧急' },
  deadline: { overdue: '已逾期', 'due-soon': '即将到期', 'on-time': '未到期', none: '无期限' },
};

export const caseLabels = catalogue({ en, 'zh-CN': zh });
