/**
 * A readable diff between two revisions: lines for the body, then words inside each changed pair of
 * lines (Chinese split into words by Intl.Segmenter, since it has no spaces), rendered escaped with
 * <ins> and <del>. Very different texts give up after a time limit and show both versions whole.
 */
import { createRequire } from 'node:module';
import type { Change } from 'diff';
import { html, type SafeHtml } from '../../platform/views/html.ts';

/** The diff library, loaded when a revision is first compared: most processes never do (idle memory). */
let diffLib: typeof import('diff') | undefined;
const lib = (): typeof import('diff') => {
  diffLib ??= createRequire(import.meta.url)('diff') as typeof import('diff');
  return diffLib;
};

const WORD_SEGMENTER = new Intl.Segmenter('zh', { granularity: 'word' });
const WORD_DIFF_LIMIT = 20_000;

function wordTokens(text: string): string[] {
  return [...WORD_SEGMENTER.segment(text)].map((s) => s.segment);
}

/** Word-level changes between two short texts, or undefined when it would take too long. */
function wordChanges(a: string, b: string): Change[] | undefined {
  if (a.length > WORD_DIFF_LIMIT || b.length > WORD_DIFF_LIMIT) return undefined;
  const changes = lib().diffArrays(wordTokens(a), wordTokens(b), { timeout: 300 });
  if (!changes) return undefined;
  return changes.map((c) => ({ ...c, value: c.value.join('') }));
}

function piece(c: Change): SafeHtml {
  if (c.added) return html`<ins>${c.value}</ins>`;
  if (c.removed) return html`<del>${c.value}</del>`;
  return html`${c.value}`;
}

export interface TextDiff {
  changed: boolean;
  markup: SafeHtml;
}

/** Diff of two texts, for display inside an element styled `white-space: pre-wrap`. */
export function diffText(before: string, after: string): TextDiff {
  if (before === after) return { changed: false, markup: html`${after}` };
  if (!before.includes('\n') && !after.includes('\n')) {
    const words = wordChanges(before, after);
    if (words) return { changed: true, markup: html`${words.map(piece)}` };
  }
  const lines = lib().diffLines(before, after, { timeout: 1000 });
  if (!lines) return { changed: true, markup: html`<del>${before}</del><ins>${after}</ins>` };
  const out: SafeHtml[] = [];
  for (let i = 0; i < lines.length; i++) {
    const c = lines[i]!;
    const next = lines[i + 1];
    if (c.removed && next?.added) {
      const words = wordChanges(c.value, next.value);
      out.push(words ? html`${words.map(piece)}` : html`${piece(c)}${piece(next)}`);
      i++;
    } else {
      out.push(piece(c));
    }
  }
  return { changed: true, markup: html`${out}` };
}
