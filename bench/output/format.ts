import type { Spread } from '../stats.js';

/** A number for a table: 3 significant digits, no exponent for everyday magnitudes. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toString();
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude === 0) return '0';
  return value.toPrecision(2);
}

/** "median (min-max)". */
export function formatSpread(spread: Spread | undefined, scale = 1): string {
  if (!spread) return '-';
  const median = formatNumber(spread.median * scale);
  return spread.runs > 1 ? `${median} (${formatNumber(spread.min * scale)}–${formatNumber(spread.max * scale)})` : median;
}

export function formatPercent(fraction: number | undefined): string {
  return fraction === undefined || !Number.isFinite(fraction) ? '-' : `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)} %`;
}
