/**
 * Fixtures for the back office: signed-in staff who hold real key pairs, a channel whose recipients
 * are those staff (so reports are sealed to keys their sessions can open), and reports made
 * through the real intake service.
 */
import crypto from 'node:crypto';
import type { IntakeRequest } from '../../src/modules/reports/intake.service.ts';
import { reportsOf } from '../../src/modules/reports/module.ts';
import type { Role } from '../../src/platform/db/schema.ts';
import { type CreatedStaff, createStaff, signIn, type TestApp } from './app.ts';
import type { HttpClient } from './http-client.ts';
import { insertChannelRows } from './reports.ts';

export const CASE_ANSWERS = {
  summary: 'Consultant asked for the board papers',
  details: 'Contact was mail@consult-example.com, phone +86 138 0013 8000',
  kind: 'online',
  platform: 'a professional network',
};

export interface SignedInStaff {
  staff: CreatedStaff;
  client: HttpClient;
}

/** Creates a staff member and signs them in (which makes their key pair). */
export async function signedInStaff(t: TestApp, roles: Role[], name?: string): Promise<SignedInStaff> {
  const username = name ?? `${roles[0]}-${crypto.randomBytes(3).toString('hex')}`;
  const staff = await createStaff(t, username, roles);
  const client = await signIn(t, staff);
  return { staff, client };
}

export interface CaseChannel {
  channelId: string;
  questionnaireId: string;
}

/** An open channel whose recipients are the given (signed-in, so key-holding) staff. */
export async function caseChannel(
  t: TestApp,
  recipientIds: string[],
  o: { ackDays?: number; feedbackDays?: number } = {},
): Promise<CaseChannel> {
  const channelId = `channel-${crypto.randomBytes(3).toString('hex')}`;
  const questionnaireId = `q-${crypto.randomBytes(3).toString('hex')}`;
  await insertChannelRows(t.db.handle.db, t.clock.now(), {
    channelId,
    questionnaireId,
    recipientIds,
    ackDays: o.ackDays,
    feedbackDays: o.feedbackDays,
  });
  reportsOf(t.app.vigil).directory.invalidate();
  return { channelId, questionnaireId };
}

/** Makes a report through the real intake service; returns its id, reference and receipt code. */
export async function makeReport(
  t: TestApp,
  channel: CaseChannel,
  extra: Partial<IntakeRequest> = {},
): Promise<{ reportId: string; reference: string; receiptCode: string }> {
  const r = await reportsOf(t.app.vigil).intake.submit({
    questionnaireId: channel.questionnaireId,
    answers: CASE_ANSWERS,
    identity: { mode: 'anonymous' },
    source: 'web',
    lang: 'en',
    skipRateLimits: true,
    ...extra,
  });
  return { reportId: r.reportId, reference: r.reference, receiptCode: r.receiptCode ?? '' };
}
