// Types of bccd.mjs for the tests (TypeScript).
export interface BccdBox {
  image: string;
  box: [number, number, number, number] | number[];
  code: string;
}
export interface BccdScore {
  frames: number;
  located: number;
  perClass: Record<string, { recall: number | null; support: number }>;
  balancedAccuracy: number | null;
  confusion: Record<string, Record<string, number>>;
}
export const BCCD_SUBTYPES: Record<string, string>;
export function parseBccdBoxes(csvText: string): BccdBox[];
export function boxesInImageSet(boxes: BccdBox[], listText: string): BccdBox[];
export function scoreBccd(
  report: { frames: Array<{ file: string; cells?: Array<{ x: number; y: number; class?: string }> }> },
  boxes: BccdBox[],
): BccdScore;
