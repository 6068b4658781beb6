// Counts in words for the screen and the printout: "1 cell", "3 cells", never "1 cells".

/** `n` and the noun, plural unless n is 1 (nouns of the station take an -s). */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
