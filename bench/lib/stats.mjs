// Small statistics helpers. Medians everywhere: the machine is shared and noisy.

/** The `p`-th percentile (0..100) of `values`, by nearest rank on a sorted copy. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return Number.NaN;
  const sorted = [...v].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Least-squares slope of y over x. */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/** Microseconds per call that `callsPerSec` costs more than `baselineCallsPerSec`. */
export function addedMicros(callsPerSec, baselineCallsPerSec) {
  return 1e6 / callsPerSec - 1e6 / baselineCallsPerSec;
}
