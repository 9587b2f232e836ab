export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentiles of a list of latencies in milliseconds. */
export function summarise(latencies: number[]): LatencySummary {
  if (latencies.length === 0) {
    return { count: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 };
  }
  const sorted = Float64Array.from(latencies).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    meanMs: round(sum / sorted.length, 2),
    p50Ms: round(at(0.5), 2),
    p95Ms: round(at(0.95), 2),
    p99Ms: round(at(0.99), 2),
    maxMs: round(sorted[sorted.length - 1], 2),
  };
}

export const round = (value: number, digits = 0): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** Formats 12345.6 as "12,346". */
export const int = (value: number): string => Math.round(value).toLocaleString('en-US');
