/** "Did you mean": the one edit distance, and the names closest to what a caller wrote. */

/** Options of {@linkcode editDistance}. */
export interface EditDistanceOptions {
  /** Stop early once the distance must exceed this; the answer is then `budget + 1`. */
  budget?: number;
}

/** Levenshtein distance between `a` and `b` (case-sensitive: lower-case both to ignore case). */
export function editDistance(a: string, b: string, options: EditDistanceOptions = {}): number {
  const budget = options.budget ?? Infinity;
  if (Math.abs(a.length - b.length) > budget) return budget + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin > budget) return budget + 1;
    previous = current;
  }
  return previous[b.length];
}

/** Up to three names close to `name` (substring or small edit distance), for "did you mean". */
export function closest(name: string, candidates: string[]): string[] {
  const target = name.toLowerCase();
  return candidates
    .map((c) => ({
      c,
      d: c.toLowerCase().includes(target) ? 0.5 : editDistance(target, c.toLowerCase()),
    }))
    .filter((x) => x.d <= Math.max(2, target.length / 3))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.c);
}
