/**
 * A corpus of XSS payloads and a checker that a page rendered them inert: every real tag in the
 * markup is one Vigil emits, no attribute is an event handler or a style, every attribute value is
 * quoted, and every address is http(s), mailto or same-site. Text that merely looks like a payload
 * (escaped, so `&lt;script&gt;`) is not a tag and passes, which is the point.
 */
import assert from 'node:assert/strict';

export const XSS_CORPUS: readonly string[] = [
  '<script>alert(1)</script>',
  '<ScRiPt>alert(1)</ScRiPt>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  '</textarea><script>alert(1)</script>',
  '</title><script>alert(1)</script>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<style>body{display:none}</style>',
  '<details open ontoggle=alert(1)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](javascript&#58;alert(1))',
  '[click](&#106;avascript:alert(1))',
  '[click](java\tscript:alert(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[click](vbscript:msgbox(1))',
  '[click](//evil.example/steal)',
  '[click](\\\\evil.example)',
  '[click]( javascript:alert(1) "t")',
  '[ref]\n\n[ref]: javascript:alert(1)',
  '<javascript:alert(1)>',
  '![x](javascript:alert(1))',
  '![x](https://tracker.example/pixel.gif)',
  '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
  '![x" onerror="alert(1)](/media/abc/w800.jpg)',
  '[x](/ok "title\\" onmouseover=\\"alert(1)")',
  '```js" onmouseover="alert(1)\ncode\n```',
  '# Heading <img src=x onerror=alert(1)>',
  '| a | b |\n|:-|-:|\n| <b onmouseover=alert(1)>x</b> | y |',
  '{{constructor.constructor("alert(1)")()}}',
  '%3Cscript%3Ealert(1)%3C/script%3E',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '\u0000<script>alert(1)</script>',
  '<!--<script>alert(1)//-->',
  '<base href="https://evil.example/">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<form action="https://evil.example"><button>go</button></form>',
  '<object data="javascript:alert(1)">',
  '<embed src="javascript:alert(1)">',
];

const ALLOWED_TAGS = new Set(
  `html head meta title link body a header div nav ul ol li form input button main footer p h1 h2 h3 h4 h5 h6
   article aside section span strong em code pre blockquote hr br img figure figcaption video source track
   table thead tbody tr th td time s del ins label select option textarea fieldset legend dl dt dd`.split(
    /\s+/,
  ),
);

const ALLOWED_ATTRIBUTES = new Set(
  `href src srcset sizes alt title id class rel lang hreflang aria-label aria-labelledby aria-describedby
   aria-current aria-invalid aria-hidden role tabindex name value type method action formaction content property
   charset for rows maxlength selected checked disabled required autocomplete autofocus novalidate controls
   preload poster width height kind srclang label default datetime loading decoding start inputmode data-label
   data-testid scope`.split(/\s+/),
);

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'poster']);

function safeUrl(value: string): boolean {
  const v = value
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');
  if (/^(https?:|mailto:)/i.test(v)) return true;
  if (v.startsWith('//') || v.includes('\\')) return false;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v);
  return !scheme;
}

export interface Tag {
  name: string;
  attributes: [string, string | undefined][];
}

/** The real tags of an HTML document (escaped text is not a tag). Throws on markup it cannot read. */
export function tagsOf(markup: string): Tag[] {
  const tags: Tag[] = [];
  let i = markup.indexOf('<');
  for (; i >= 0; i = markup.indexOf('<', i)) {
    const rest = markup.slice(i, i + 10).toLowerCase();
    if (rest.startsWith('<!doctype')) {
      i = markup.indexOf('>', i) + 1;
      continue;
    }
    if (rest.startsWith('<!--')) throw new Error(`a comment at ${i}: ${markup.slice(i, i + 80)}`);
    const close = /^<\/([a-zA-Z][a-zA-Z0-9-]*)\s*>/.exec(markup.slice(i, i + 40));
    if (close) {
      tags.push({ name: close[1]!.toLowerCase(), attributes: [] });
      i += close[0].length;
      continue;
    }
    const open = /^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(markup.slice(i, i + 40));
    if (!open) {
      // A bare "<" in text would be a bug of its own: Vigil escapes every one.
      throw new Error(`an unescaped "<" at ${i}: ${markup.slice(i, i + 80)}`);
    }
    const tag: Tag = { name: open[1]!.toLowerCase(), attributes: [] };
    let j = i + open[0].length;
    for (;;) {
      while (/\s/.test(markup[j] ?? '')) j++;
      if (markup[j] === '>') {
        j++;
        break;
      }
      if (markup.startsWith('/>', j)) {
        j += 2;
        break;
      }
      const name = /^[^\s=>/"']+/.exec(markup.slice(j))?.[0];
      if (!name) throw new Error(`unreadable attribute in <${tag.name}> at ${j}: ${markup.slice(i, j + 40)}`);
      j += name.length;
      if (markup[j] === '=') {
        j++;
        const quote = markup[j];
        if (quote !== '"')
          throw new Error(`unquoted attribute ${name} in <${tag.name}>: ${markup.slice(i, j + 40)}`);
        const end = markup.indexOf('"', j + 1);
        tag.attributes.push([name.toLowerCase(), markup.slice(j + 1, end)]);
        j = end + 1;
      } else {
        tag.attributes.push([name.toLowerCase(), undefined]);
      }
    }
    tags.push(tag);
    i = j;
  }
  return tags;
}

/** Asserts that a page (or fragment) carries no live markup from its input. */
export function assertInert(markup: string, where: string): void {
  let tags: Tag[];
  try {
    tags = tagsOf(markup);
  } catch (err) {
    assert.fail(`${where}: ${(err as Error).message}`);
  }
  for (const tag of tags) {
    assert.ok(ALLOWED_TAGS.has(tag.name), `${where}: unexpected <${tag.name}>`);
    for (const [name, value] of tag.attributes) {
      assert.ok(!name.startsWith('on'), `${where}: event attribute ${name} on <${tag.name}>`);
      assert.ok(ALLOWED_ATTRIBUTES.has(name), `${where}: unexpected attribute ${name} on <${tag.name}>`);
      if (value !== undefined && URL_ATTRIBUTES.has(name))
        assert.ok(safeUrl(value), `${where}: unsafe ${name}="${value}" on <${tag.name}>`);
      if (value !== undefined && (name === 'action' || name === 'formaction'))
        assert.match(value, /^\/(?!\/)/, `${where}: a form posting elsewhere: ${value}`);
      if (tag.name === 'img' && name === 'src')
        assert.match(value ?? '', /^\/media\//, `${where}: image from elsewhere: ${value}`);
      if (tag.name === 'meta' && name === 'http-equiv') assert.fail(`${where}: meta http-equiv`);
    }
    if (tag.name === 'base') assert.fail(`${where}: <base>`);
  }
}
