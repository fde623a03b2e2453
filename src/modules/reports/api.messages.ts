/**
 * Messages of the JSON intake API (problem titles and details, RFC 9457) and of the answer checks
 * every intake front end shares (staff intake shows the same words next to its fields).
 */
import { catalogue } from '../../platform/views/i18n/index.ts';

/** Problem types the API answers with; each is documented in docs/API.md. */
export const PROBLEMS = [
  'malformed-json',
  'unsupported-media-type',
  'too-large',
  'bad-request',
  'not-found',
  'unknown-questionnaire',
  'invalid-report',
  'proof-of-work',
  'busy',
  'channel-closed',
  'no-recipient',
  'server-error',
] as const;
export type Problem = (typeof PROBLEMS)[number];

/** Codes of the per-field `errors` member. */
export const FIELD_CODES = [
  // The questionnaire's answer checks (questionnaire.ts) and the identity checks (intake.service.ts).
  'required',
  'too-long',
  'not-an-option',
  'bad-date',
  'date-order',
  'future-date',
  'unknown-question',
  // The request's shape (the route schema).
  'wrong-type',
  'unknown-field',
  'too-many',
  'bad-format',
  'out-of-range',
  // The questionnaire named, and the proof of work.
  'unknown',
  'pow-missing',
  'pow-invalid',
  'pow-expired',
  'pow-reused',
  // Attachments (multipart).
  'file-too-large',
  'file-type',
  'file-empty',
  'file-damaged',
] as const;
export type FieldCode = (typeof FIELD_CODES)[number];

type ProblemText = { title: string; detail: string };

const en = {
  problems: {
    'malformed-json': {
      title: 'The body is not valid JSON',
      detail: 'Send one JSON object encoded in UTF-8, as described in docs/API.md.',
    },
    'unsupported-media-type': {
      title: 'This content type is not accepted',
      detail: 'Send the report as application/json (or multipart/form-data with a "report" field and files).',
    },
    'too-large': {
      title: 'The request is too large',
      detail:
        'The body is larger than this address accepts. Shorten the answers or send fewer or smaller files.',
    },
    'bad-request': {
      title: 'The request does not have the expected shape',
      detail: 'Some fields are missing, unknown or of the wrong type; "errors" names each of them.',
    },
    'not-found': {
      title: 'Not found',
      detail: 'There is nothing at this address. The addresses of this API are listed in docs/API.md.',
    },
    'unknown-questionnaire': {
      title: 'This questionnaire is not offered',
      detail:
        'The questionnaire (or the version) named does not exist or is not taking reports. GET /api/v1/questionnaires lists what is offered.',
    },
    'invalid-report': {
      title: 'Some answers need attention',
      detail: 'The report was not registered. "errors" names each answer to correct; nothing was stored.',
    },
    'proof-of-work': {
      title: 'The proof of work is missing or not valid',
      detail:
        'Fetch a challenge from GET /api/v1/challenge, find a nonce for it and send both. Each challenge is accepted once.',
    },
    busy: {
      title: 'Too many reports at the moment',
      detail: 'Nothing was stored. Send the same request again after the number of seconds in Retry-After.',
    },
    'channel-closed': {
      title: 'This channel is not taking reports',
      detail: 'The channel this questionnaire belongs to is closed at the moment. Nothing was stored.',
    },
    'no-recipient': {
      title: 'Nobody could read a report sent here',
      detail:
        'The channel has no recipient who holds a key, so a report would be unreadable. Nothing was stored.',
    },
    'server-error': {
      title: 'Something went wrong on our side',
      detail:
        'The report may not have been stored. Send the same request again with the same Idempotency-Key.',
    },
  } satisfies Record<Problem, ProblemText>,
  fields: {
    required: 'An answer is needed here.',
    'too-long': 'This is too long.',
    'not-an-option': 'This is not one of the possible answers.',
    'bad-date': 'This is not a date in the form YYYY-MM-DD.',
    'date-order': 'The end date is before the start date.',
    'future-date': 'This date is in the future.',
    'unknown-question': 'The questionnaire has no question with this id.',
    'wrong-type': 'This value has the wrong type.',
    'unknown-field': 'This field is not part of the request.',
    'too-many': 'There are too many values here.',
    'bad-format': 'This value does not have the required format.',
    'out-of-range': 'This number is out of range.',
    unknown: 'There is no such questionnaire or version.',
    'pow-missing': 'A nonce is needed: API clients must solve the proof of work.',
    'pow-invalid': 'The challenge or the nonce is not valid.',
    'pow-expired': 'The challenge has expired; fetch a new one.',
    'pow-reused': 'This challenge was already used; fetch a new one for each report.',
    'file-too-large': 'This file is larger than the instance accepts.',
    'file-type': 'Files of this type are not accepted.',
    'file-empty': 'This file is empty.',
    'file-damaged': 'This file could not be read.',
  } satisfies Record<FieldCode, string>,
};

const zhCN: typeof en = {
  problems: {
    'malformed-json': {
      title: '请求正文不是有效的 JSON',
      detail: '请发送一个以 UTF-8 编码的 JSON 对象，格式见 docs/API.md。',
    },
    'unsupported-media-type': {
      title: '不接受此内容类型',
      detail: '请以 application/json 发送举报（或以 multipart/form-data 发送，含 "report" 字段和文件）。',
    },
    'too-large': {
      title: '请求过大',
      detail: '请求正文超过此地址接受的大小。请缩短回答，或减少、缩小文件。',
    },
    'bad-request': {
      title: '请求格式不符合要求',
      detail: '部分字段缺失、未知或类型错误；"errors" 中逐一列出。',
    },
    'not-found': {
      title: '未找到',
      detail: '此地址没有内容。本接口的地址列于 docs/API.md。',
    },
    'unknown-questionnaire': {
      title: '未提供此问卷',
      detail:
        '所指定的问卷（或版本）不存在或目前不受理举报。可通过 GET /api/v1/questionnaires 查看可用问卷。',
    },
    'invalid-report': {
      title: '部分回答需要修改',
      detail: '举报未登记。"errors" 中列出了需要修改的每一项回答；未保存任何内容。',
    },
    'proof-of-work': {
      title: '工作量证明缺失或无效',
      detail:
        '请通过 GET /api/v1/challenge 获取挑战值，求出对应的 nonce 后一并发送。每个挑战值只能使用一次。',
    },
    busy: {
      title: '当前举报过多',
      detail: '未保存任何内容。请在 Retry-After 所示的秒数之后重新发送同一请求。',
    },
    'channel-closed': {
      title: '此渠道目前不受理举报',
      detail: '此问卷所属的渠道目前已关闭。未保存任何内容。',
    },
    'no-recipient': {
      title: '发送到此处的举报无人能够阅读',
      detail: '此渠道没有持有密钥的接收人，举报将无法被阅读。未保存任何内容。',
    },
    'server-error': {
      title: '服务器出现问题',
      detail: '举报可能未被保存。请使用同一个 Idempotency-Key 重新发送同一请求。',
    },
  },
  fields: {
    required: '此处需要填写。',
    'too-long': '内容过长。',
    'not-an-option': '这不是可选的答案之一。',
    'bad-date': '日期格式应为 YYYY-MM-DD。',
    'date-order': '结束日期早于开始日期。',
    'future-date': '该日期在未来。',
    'unknown-question': '问卷中没有此编号的问题。',
    'wrong-type': '此值的类型不正确。',
    'unknown-field': '此字段不属于该请求。',
    'too-many': '此处的值过多。',
    'bad-format': '此值的格式不符合要求。',
    'out-of-range': '此数字超出范围。',
    unknown: '没有此问卷或版本。',
    'pow-missing': '需要提供 nonce：接口客户端必须完成工作量证明。',
    'pow-invalid': '挑战值或 nonce 无效。',
    'pow-expired': '挑战值已过期，请重新获取。',
    'pow-reused': '此挑战值已被使用；每份举报都需要新的挑战值。',
    'file-too-large': '此文件超过允许的大小。',
    'file-type': '不接受此类型的文件。',
    'file-empty': '此文件为空。',
    'file-damaged': '无法读取此文件。',
  },
};

export const apiMessages = catalogue({ en, 'zh-CN': zhCN });
