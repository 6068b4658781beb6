import { readFile } from 'node:fs/promises';
import type { EncodedFrame } from '../frame.js';
import { countPages, sniffImageFormat } from './decode.js';

/**
 * Reads image files lazily, one at a time as the pipeline asks, so memory stays flat on long lists
 * (Node). Every page of a multi-page TIFF becomes its own frame, labelled "file (page i of n)",
 * sharing the file's bytes; decoding happens later, in the preprocess workers. An unreadable
 * file yields empty bytes, which decode to that frame's typed error.
 */
export async function* readEncodedFrames(files: readonly string[], micronsPerPixel?: number): AsyncGenerator<EncodedFrame> {
  const scale = micronsPerPixel !== undefined ? { micronsPerPixel } : {};
  for (const file of files) {
    const encoded = await readFile(file).catch(() => new Uint8Array(0));
    // Headers only; a damaged TIFF counts as one page and fails in the worker with its own error.
    const pages = sniffImageFormat(encoded) === 'tiff' ? await countPages(encoded, file).catch(() => 1) : 1;
    if (pages === 1) {
      yield { encoded, label: file, ...scale };
      continue;
    }
    for (let page = 0; page < pages; page++) yield { encoded, page, label: `${file} (page ${page + 1} of ${pages})`, ...scale };
  }
}
