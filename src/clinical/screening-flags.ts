/**
 * Slide-level screening flags: a percentage of the counted cells against a stated threshold.
 * They point a cytologist at a slide; they never diagnose.
 */

export type ScreeningMeasure = 'blastPercent' | 'atypicalPercent';

export interface ScreeningFlagRule {
  /** Stable id, e.g. "blasts-who-aml". */
  id: string;
  measure: ScreeningMeasure;
  /** The flag is raised when the measure is >= this, in percent of counted cells. */
  thresholdPercent: number;
  /** What the flag means, for the report, with its threshold. */
  label: string;
}

export interface ScreeningFlag extends ScreeningFlagRule {
  /** The measured percentage; null when nothing was counted or the model lacks the group. */
  valuePercent: number | null;
  /** valuePercent >= thresholdPercent. */
  raised: boolean;
  /** The whole 95 % interval lies at or above the threshold: the count alone supports the flag. */
  intervalAboveThreshold: boolean;
}

/**
 * Defaults. 20 %: the WHO blast threshold for AML in marrow or blood (WHO 2016; WHO 2022 keeps it
 * for AML defined by differentiation, and lowers or drops it for AML with defining genetic
 * abnormalities, so a lower count does not rule AML out). 5 %: the upper limit of blasts in a
 * normal marrow differential, above which blasts count as increased (e.g. MDS with excess blasts).
 */
export const DEFAULT_SCREENING_FLAGS: readonly ScreeningFlagRule[] = [
  {
    id: 'blasts-who-aml',
    measure: 'blastPercent',
    thresholdPercent: 20,
    label: 'Blasts >= 20 % of counted cells: meets the WHO blast threshold for AML — screening aid only, confirm by cytologist review',
  },
  {
    id: 'blasts-increased',
    measure: 'blastPercent',
    thresholdPercent: 5,
    label: 'Increased blasts: >= 5 % of counted cells — screening aid only, confirm by cytologist review',
  },
];

/** A measured percentage with its 95 % interval (percent), or null when not measurable. */
export interface MeasuredPercent {
  percent: number | null;
  ci95Percent: [number, number] | null;
}

/** Applies each rule to the measures; rules come back in the order given. */
export function evaluateScreeningFlags(
  rules: readonly ScreeningFlagRule[],
  measures: Readonly<Record<ScreeningMeasure, MeasuredPercent | null>>,
): ScreeningFlag[] {
  return rules.map((rule) => {
    const measure = measures[rule.measure];
    const valuePercent = measure?.percent ?? null;
    return {
      ...rule,
      valuePercent,
      raised: valuePercent !== null && valuePercent >= rule.thresholdPercent,
      intervalAboveThreshold: measure?.ci95Percent != null && measure.ci95Percent[0] >= rule.thresholdPercent,
    };
  });
}
