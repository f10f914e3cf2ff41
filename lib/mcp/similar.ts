/** "Did you mean": the names closest to what a caller wrote. */

/** Up to three names close to `name` (substring or small edit distance), for "did you mean". */
export function closest(name: string, candidates: string[]): string[] {
  const target = name.toLowerCase();
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length];
  };
  return candidates
    .map((c) => ({
      c,
      d: c.toLowerCase().includes(target) ? 0.5 : distance(target, c.toLowerCase()),
    }))
    .filter((x) => x.d <= Math.max(2, target.length / 3))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.c);
}
