/**
 * POST /api/v1/reports as multipart/form-data: a `report` field holding the same JSON as the JSON
 * variant, then files in parts named `file` or `files`. Files are sealed as they stream in, under
 * a content key made for this request (it becomes the report's), and never touch the disk in the
 * clear. Nothing is stored before the request has earned it: when the first file begins, the
 * `report` field (which must come first) is read and checked and the proof of work verified (a
 * repeat, whose challenge the first request used up, is recognised by its Idempotency-Key: it
 * stores nothing and answers with the first receipt). Files
 * stored for a request that does not become a report are removed before the answer is sent.
 *
 * Uses the multipart parser directly rather than registerMultipart, whose CSRF check before the
 * first file has no meaning here (the API reads no cookie; see api.routes.ts).
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { clientSecretKeys, newDataKey } from '../../platform/crypto/index.ts';
import {
  boundaryOf,
  type FileSink,
  type MultipartForm,
  parseMultipart,
} from '../../platform/http/multipart.ts';
import type { FieldCode } from './api.messages.ts';
import { API_BODY_LIMIT, ApiProblem } from './api.problems.ts';
import {
  fieldErrorsOf,
  IDEMPOTENCY_KEY_PATTERN,
  REPORT_BODY,
  type ReportBody,
  strictValidator,
} from './api.schemas.ts';
import { type AttachmentOutcome, cleanFileName, outcomesOf } from './attachments.ts';
import type { IntakeReceipt } from './intake.service.ts';
import type { ReportsServices } from './module.ts';

export const FILE_FIELDS = ['file', 'files'] as const;

export interface ApiUpload {
  /** The content key the files are sealed with: the report's, if it becomes one. */
  contentKey: Buffer;
  form?: MultipartForm;
  /** The report read from the `report` field (when a file came, before it was stored). */
  body?: ReportBody;
  /** The first receipt, when the Idempotency-Key was used before: nothing is stored then. */
  earlier?: IntakeReceipt;
  /** The proof of work was verified (and used up) before the first file. */
  powChecked: boolean;
  /** Files stored so far; removed after the answer unless the report took them. */
  stored: string[];
  kept: boolean;
  count: number;
}

const uploads = new WeakMap<FastifyRequest, ApiUpload>();

export function apiUploadOf(req: FastifyRequest): ApiUpload | undefined {
  return uploads.get(req);
}

const validateReport = strictValidator({ schema: REPORT_BODY } as never) as ((data: unknown) => boolean) & {
  errors?: unknown;
};

/** The report in the `report` field: JSON with the shape of the JSON variant's body. */
export function readReportField(fields: Record<string, string | string[]>): ReportBody {
  const raw = fields.report;
  if (typeof raw !== 'string')
    throw new ApiProblem('bad-request', 400, { report: raw === undefined ? 'required' : 'wrong-type' });
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ApiProblem('malformed-json', 400);
  }
  if (!validateReport(value))
    throw new ApiProblem('bad-request', 400, fieldErrorsOf(validateReport.errors, 'body'));
  return value as ReportBody;
}

const ATTACHMENT_CODES: Record<string, FieldCode> = {
  'too-large': 'file-too-large',
  'type-not-accepted': 'file-type',
  empty: 'file-empty',
  'too-many': 'too-many',
  damaged: 'file-damaged',
};

/** What became of each file, and problems keyed files.<n> (arrival order) when any was refused. */
export function fileOutcomes(form: MultipartForm): {
  outcomes: AttachmentOutcome[];
  errors: Record<string, FieldCode>;
} {
  const outcomes = outcomesOf(form.uploads);
  const errors: Record<string, FieldCode> = Object.create(null);
  outcomes.forEach((o, i) => {
    if (o.problem) errors[`files.${i}`] = ATTACHMENT_CODES[o.problem] ?? 'file-damaged';
  });
  return { outcomes, errors };
}

function droppingSink(declaredName: string, problem?: AttachmentOutcome['problem']): FileSink {
  return {
    write: async () => {},
    finish: async (): Promise<AttachmentOutcome> => ({
      name: cleanFileName(declaredName),
      ...(problem ? { problem } : {}),
    }),
    abort: async () => {},
  };
}

export function registerApiMultipart(
  scope: FastifyInstance,
  ctx: AppContext,
  s: ReportsServices,
  powProblem: (pow: ReportBody['pow']) => ApiProblem | undefined,
): void {
  const limits = ctx.config.reports;
  const perField = Math.max(1, limits.maxFiles);

  /** Runs when the first file begins: nothing is stored unless this passes. */
  const precheck = async (
    req: FastifyRequest,
    upload: ApiUpload,
    fields: Record<string, string | string[]>,
  ) => {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || !new RegExp(IDEMPOTENCY_KEY_PATTERN).test(key))
      throw new ApiProblem('bad-request', 400, {
        'Idempotency-Key': typeof key === 'string' ? 'bad-format' : 'required',
      });
    upload.body = readReportField(fields);
    const refusal = powProblem(upload.body.pow);
    if (!refusal) {
      upload.powChecked = true;
      return;
    }
    // A repeat of an earlier request (its challenge used up) stores nothing and gets the first receipt.
    upload.earlier = await s.intake.findSubmission(clientSecretKeys(ctx.keys.reporter, `api:${key}`));
    if (!upload.earlier) throw refusal;
  };

  scope.addContentTypeParser('multipart/form-data', async (req: FastifyRequest, payload: Readable) => {
    const boundary = boundaryOf(req.headers['content-type']);
    if (!boundary) throw new ApiProblem('bad-request', 400, { 'Content-Type': 'bad-format' });
    const upload: ApiUpload = {
      contentKey: newDataKey(),
      powChecked: false,
      stored: [],
      kept: false,
      count: 0,
    };
    uploads.set(req, upload);
    let fieldsSoFar: Record<string, string | string[]> = {};
    let checked = false;
    upload.form = await parseMultipart(payload, {
      boundary,
      limits: {
        files: Object.fromEntries(FILE_FIELDS.map((f) => [f, limits.maxFileBytes])),
        maxFilesPerField: perField,
        fieldBytes: API_BODY_LIMIT,
        fields: 10,
        totalBytes: API_BODY_LIMIT + limits.maxFiles * limits.maxFileBytes + 64 * 1024,
      },
      beforeFirstFile: (fields) => {
        fieldsSoFar = fields;
      },
      sinkFor: async (_field, declaredName) => {
        if (!checked) {
          checked = true;
          await precheck(req, upload, fieldsSoFar);
        }
        if (upload.earlier) return droppingSink(declaredName);
        upload.count++;
        if (upload.count > limits.maxFiles) return droppingSink(declaredName, 'too-many');
        const sink = s.attachments.sink(upload.contentKey, declaredName);
        return {
          write: (chunk: Buffer) => sink.write(chunk),
          abort: () => sink.abort(),
          finish: async () => {
            const outcome = await sink.finish();
            if (outcome.stored) upload.stored.push(outcome.stored.id);
            return outcome;
          },
        };
      },
    });
    return upload.form.fields;
  });

  const cleanUp = async (req: FastifyRequest) => {
    const upload = uploads.get(req);
    if (!upload || upload.kept) return;
    const ids = upload.stored.splice(0);
    for (const id of ids) await s.attachments.remove(id).catch(() => {});
  };
  // Before the answer leaves (a client that reads it finds nothing left behind), and again after
  // it or when the client went away.
  scope.addHook('onSend', async (req) => cleanUp(req));
  scope.addHook('onResponse', cleanUp);
  scope.addHook('onRequestAbort', cleanUp);
}
