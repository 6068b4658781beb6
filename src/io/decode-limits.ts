/** Frames with more pixels are refused before any pixel memory is allocated (100 MP = 300 MB as RGB, 400 MB as a browser's RGBA);
 * the default of `frameLimits.maxFramePixels`. */
export const DEFAULT_MAX_FRAME_PIXELS = 100_000_000;

/** The decoder's own limits, the same in Node (src/io/decode.ts) and browsers (src/platform/browser.ts). */
export interface DecodeLimits {
  /** Refuse images with more pixels (width x height) than this, from their header (FRAME_TOO_LARGE). Default 100 MP. */
  maxFramePixels?: number;
  /** Page of a multi-page TIFF, from 0. Required when the file has more than one page. */
  page?: number;
}
