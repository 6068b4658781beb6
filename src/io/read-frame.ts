import { readFile } from 'node:fs/promises';
import { SmearscopeError } from '../errors.js';
import type { Frame } from '../frame.js';
import { decodeImage } from './decode.js';

/** Reads and decodes one image file into an RGB8 frame labelled with its path (Node; see decodeImage). */
export async function readFrame(path: string): Promise<Frame> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new SmearscopeError('IO_FAILED', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return decodeImage(bytes, path);
}
