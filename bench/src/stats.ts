import * as hdr from 'hdr-histogram-js';

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentiles of durations in milliseconds, through an HDR histogram at microsecond resolution (3 significant digits). */
export function distribution(valuesMs: readonly number[]): Distribution {
  if (valuesMs.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  // A negative duration can only be clock noise between processes; it counts as zero.
  for (const value of valuesMs) histogram.recordValue(Math.max(0, Math.round(value * 1000)));
  const ms = (us: number) => Math.round(us) / 1000;
  const summary = {
    count: valuesMs.length,
    p50: ms(histogram.getValueAtPercentile(50)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  };
  histogram.destroy();
  return summary;
}

/** a / b, or null when either is missing or b is zero. */
export function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}
