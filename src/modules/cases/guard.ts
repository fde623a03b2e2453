/**
 * What the identity, protection and legal-hold pages share: the case id in the URL, opening the
 * case's keys for the signed-in person (a case not shared with them is a 404, the same as one that
 * does not exist, so the page does not tell them it exists), and the frame around each sub-page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { catalogue, type Lang } from '../../platform/views/i18n/index.ts';
import { type CaseKeys, openCaseKeys, sessionPrivateKey } from './access.ts';

export const CASE_PARAMS = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
  required: ['id'],
} as const;

export const MESSAGE_QUERY = {
  type: 'object',
  properties: { m: { type: 'string', maxLength: 30 } },
} as const;

export type CaseRequest = FastifyRequest<{ Params: { id: string }; Querystring: { m?: string } }>;

/** The case's keys for this request, or undefined after sending the 404 page. */
export async function caseKeysOr404(
  ctx: AppContext,
  req: FastifyRequest<{ Params: { id: string } }>,
  reply: FastifyReply,
): Promise<CaseKeys | undefined> {
  const keys = await openCaseKeys(ctx.db, req.staff!.id, sessionPrivateKey(req.session), req.params.id);
  if (!keys) sendErrorPage(ctx.pages, req, reply, 404);
  return keys;
}

const words = catalogue({
  en: { backToCase: 'Back to the case', caseRef: 'Case {reference}' },
  'zh-CN': { backToCase: '返回案件', caseRef: '案件 {reference}' },
});

/** The heading of a case's sub-page: its title, the case reference and the way back. */
export function subPageHeader(lang: Lang, reportId: string, reference: string, title: string): SafeHtml {
  const w = words(lang);
  return html`<p class="breadcrumb"><a href="/admin/cases/${reportId}">${w.backToCase}</a></p>
<h1>${title} <span class="mono">${reference}</span></h1>`;
}

export function formatMoment(lang: Lang, ms: number): string {
  return `${new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(ms)} UTC`;
}
