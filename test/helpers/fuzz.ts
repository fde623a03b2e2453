/** Shared fast-check arbitraries for the fuzz tests. */
import fc from 'fast-check';

/**
 * Strings a hostile or careless client sends: random text, whole graphemes, control and
 * replacement characters, markup, Chinese, the values a form expects (`extra`), and one very
 * long value (`long` repeated up to `longMax` times).
 */
export function hostileString(
  o: { maxLength?: number; extra?: string[]; long?: string; longMax?: number } = {},
): fc.Arbitrary<string> {
  const maxLength = o.maxLength ?? 50;
  return fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength: maxLength * 3 }),
    fc.constantFrom('', ' ', '\u0000', '\uFFFD', '<script>alert(1)</script>', '间谍', ...(o.extra ?? [])),
    fc.integer({ min: 1, max: o.longMax ?? 30_000 }).map((n) => (o.long ?? 'x').repeat(n)),
  );
}
