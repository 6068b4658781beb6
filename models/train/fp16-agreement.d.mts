export interface DtypeAgreement {
  cells: number;
  /** Fraction of cells with the same top-1 class. */
  top1Agreement: number;
  /** Largest |p_fp16 - p_fp32| over every cell and class. */
  maxProbabilityDifference: number;
}
export function dtypeAgreement(fp32: Record<string, number>[], fp16: Record<string, number>[]): DtypeAgreement;
