/** Two Macenko stain vectors in optical-density space (row 0 hematoxylin-like) and the 99th
 * percentile concentration of each. A model card stores the one of its training images. */
export interface StainReference {
  stainMatrix: [[number, number, number], [number, number, number]];
  maxC: [number, number];
}
