/**
 * Text for XML documents (feeds, the sitemap). Everything is escaped, HTML content included (no
 * CDATA: escaping has no `]]>` edge case), and characters XML 1.0 forbids (C0 controls other than
 * tab/newline/return, U+FFFE/U+FFFF, lone surrogates) are dropped, so one stray byte in a post
 * cannot make a whole feed unreadable.
 */

const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing what XML 1.0 forbids is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const XML_SPECIAL = /[&<>"']/g;
const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Characters that may appear in an XML 1.0 document (and in JSON sent next to it). */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML, '');
}

/** Escaped for XML text content and attribute values. */
export function xmlEscape(text: string): string {
  return xmlSafe(text).replace(XML_SPECIAL, (c) => XML_ESCAPES[c]!);
}

/** RFC 822 (RFC 2822) date-time, as RSS 2.0 wants it: `Sun, 22 Nov 2026 09:00:00 GMT`. */
export function rfc822(ms: number): string {
  return new Date(ms).toUTCString();
}

/** RFC 3339 date-time in UTC without fractional seconds: `2026-11-22T09:00:00Z`. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Makes root-relative URLs in an HTML fragment absolute (src, href and poster attributes), because
 * feed readers show the content away from this site. The fragment is Vigil's own sanitised output,
 * so its attributes are always double-quoted.
 */
export function absolutiseUrls(fragment: string, base: string): string {
  return fragment.replace(/(\s(?:src|href|poster)=")\/(?!\/)/g, `$1${base}/`);
}
