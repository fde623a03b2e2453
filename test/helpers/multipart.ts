/** Builds multipart/form-data bodies as a browser sends them (fields in document order). */
import crypto from 'node:crypto';

export interface FilePart {
  filename: string;
  content: Buffer | string;
  /** The type the browser declares; Vigil never trusts it. */
  type?: string;
}

export type Part = [name: string, value: string | FilePart];

export function multipartBody(parts: Part[], boundary = `----vigil${crypto.randomBytes(8).toString('hex')}`) {
  const chunks: Buffer[] = [];
  for (const [name, value] of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if (typeof value === 'string') {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${name}"\r\n\r\n`));
      chunks.push(Buffer.from(value, 'utf8'));
    } else {
      chunks.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\nContent-Type: ${value.type ?? 'application/octet-stream'}\r\n\r\n`,
        ),
      );
      chunks.push(Buffer.isBuffer(value.content) ? value.content : Buffer.from(value.content, 'utf8'));
    }
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
