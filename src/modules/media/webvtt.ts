/**
 * WebVTT captions (W3C WebVTT), validated and rewritten in a canonical form: the WEBVTT header,
 * then each cue (optional identifier, timing line, text). Comments (NOTE), STYLE and REGION
 * blocks are dropped, so a caption file can neither carry styling nor anything but cue text.
 * Browsers parse cue text with the WebVTT parser, never as HTML.
 */

export const MAX_CAPTIONS_BYTES = 512 * 1024;
const MAX_CUES = 20_000;

export type VttIssue =
  | 'encoding'
  | 'too-large'
  | 'header'
  | 'timing'
  | 'end-before-start'
  | 'out-of-order'
  | 'arrow-in-text'
  | 'no-cues'
  | 'too-many-cues';

export type VttResult =
  | { ok: true; text: string; cues: number; durationMs: number }
  | { ok: false; issue: VttIssue; line: number };

const TIME = String.raw`(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})`;
const TIMING = new RegExp(String.raw`^${TIME}[ \t]+-->[ \t]+${TIME}((?:[ \t]+[^ \t]+)*)[ \t]*$`);
const SETTING =
  /^(vertical:(rl|lr)|line:-?\d+(\.\d+)?%?(,(start|center|end))?|position:\d+(\.\d+)?%(,(line-left|center|line-right|auto))?|size:\d+(\.\d+)?%|align:(start|center|end|left|right)|region:[^\s:]+)$/;

function ms(h: string | undefined, m: string, s: string, frac: string): number {
  return ((Number(h ?? '0') * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(frac);
}

/** Validates a caption file and returns its canonical text, or the first problem and its line. */
export function validateWebVtt(input: Buffer | string): VttResult {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    if (input.length > MAX_CAPTIONS_BYTES) return { ok: false, issue: 'too-large', line: 0 };
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return { ok: false, issue: 'encoding', line: 0 };
    }
  }
  if (Buffer.byteLength(text) > MAX_CAPTIONS_BYTES) return { ok: false, issue: 'too-large', line: 0 };
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the spec replaces NUL; other controls go too
  text = text.replace(/\0/g, '\uFFFD').replace(/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
  const lines = text.replace(/\r\n?/g, '\n').split('\n');

  if (!/^WEBVTT([ \t].*)?$/.test(lines[0] ?? '')) return { ok: false, issue: 'header', line: 1 };
  let i = 1;
  // The header block runs to the first blank line and may not hold a cue.
  while (i < lines.length && lines[i] !== '') {
    if (lines[i]!.includes('-->')) return { ok: false, issue: 'header', line: i + 1 };
    i++;
  }

  const out: string[] = ['WEBVTT', ''];
  let cues = 0;
  let lastStart = -1;
  let lastEnd = 0;
  for (;;) {
    while (i < lines.length && lines[i]!.trim() === '') i++;
    if (i >= lines.length) break;
    const blockStart = i;
    const block: string[] = [];
    while (i < lines.length && lines[i] !== '') block.push(lines[i++]!);
    const first = block[0]!;
    if (/^(NOTE|STYLE|REGION)([ \t]|$)/.test(first) && !first.includes('-->')) {
      // A comment, or styling we do not keep. (STYLE and REGION after a cue are cue text errors in
      // the spec; dropping them is harmless either way.)
      continue;
    }
    let id: string | undefined;
    let timingIndex = 0;
    // A line that starts like a timestamp is a mistyped timing line, not a cue identifier.
    if (!first.includes('-->') && !/^\d+:\d/.test(first)) {
      id = first;
      timingIndex = 1;
    }
    const timing = block[timingIndex];
    const m = timing === undefined ? null : TIMING.exec(timing);
    if (!m) return { ok: false, issue: 'timing', line: blockStart + timingIndex + 1 };
    const settings = (m[9] ?? '').trim();
    if (settings !== '' && !settings.split(/[ \t]+/).every((s) => SETTING.test(s)))
      return { ok: false, issue: 'timing', line: blockStart + timingIndex + 1 };
    const start = ms(m[1], m[2]!, m[3]!, m[4]!);
    const end = ms(m[5], m[6]!, m[7]!, m[8]!);
    if (end <= start) return { ok: false, issue: 'end-before-start', line: blockStart + timingIndex + 1 };
    if (start < lastStart) return { ok: false, issue: 'out-of-order', line: blockStart + timingIndex + 1 };
    const payload = block.slice(timingIndex + 1);
    const arrow = payload.findIndex((l) => l.includes('-->'));
    if (arrow >= 0) return { ok: false, issue: 'arrow-in-text', line: blockStart + timingIndex + 2 + arrow };
    cues++;
    if (cues > MAX_CUES) return { ok: false, issue: 'too-many-cues', line: blockStart + 1 };
    lastStart = start;
    lastEnd = Math.max(lastEnd, end);
    if (id !== undefined) out.push(id);
    out.push(timing!.trim().replace(/[ \t]+/g, ' '));
    out.push(...payload, '');
  }
  if (cues === 0) return { ok: false, issue: 'no-cues', line: lines.length };
  return { ok: true, text: out.join('\n'), cues, durationMs: lastEnd };
}
