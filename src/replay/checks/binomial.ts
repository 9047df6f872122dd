/*
 * How many of n independent keep-or-drop decisions with probability p may come out kept
 * before the difference is more than chance: the central interval of Binomial(n, p) that
 * holds `confidence` of its mass, alpha/2 cut from each tail. Exact (log-space pmf), fine
 * for the few hundred thousand traces a replay holds.
 */

export interface Tolerance {
  low: number;
  high: number;
}

export function binomialTolerance(n: number, p: number, confidence: number): Tolerance {
  if (n === 0) return { low: 0, high: 0 };
  if (p <= 0) return { low: 0, high: 0 };
  if (p >= 1) return { low: n, high: n };
  const tail = (1 - confidence) / 2;
  const pmf = binomialPmf(n, p);
  let low = 0;
  let below = 0;
  // low: the smallest k with P(X < k) <= tail < P(X <= k)
  while (low < n && below + pmf[low]! <= tail) below += pmf[low++]!;
  let high = n;
  let above = 0;
  while (high > 0 && above + pmf[high]! <= tail) above += pmf[high--]!;
  return { low, high };
}

/** The upper bound alone, for shares a rate cap may lower: fewer kept is allowed, more is not. */
export function binomialUpperBound(n: number, p: number, confidence: number): number {
  if (n === 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const pmf = binomialPmf(n, p);
  let high = n;
  let above = 0;
  while (high > 0 && above + pmf[high]! <= 1 - confidence) above += pmf[high--]!;
  return high;
}

function binomialPmf(n: number, p: number): Float64Array {
  const out = new Float64Array(n + 1);
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const lnN = logFactorial(n);
  for (let k = 0; k <= n; k++) out[k] = Math.exp(lnN - logFactorial(k) - logFactorial(n - k) + k * lp + (n - k) * lq);
  return out;
}

const factorialCache: number[] = [0];

function logFactorial(n: number): number {
  for (let i = factorialCache.length; i <= n; i++) factorialCache[i] = factorialCache[i - 1]! + Math.log(i);
  return factorialCache[n]!;
}
