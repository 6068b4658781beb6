import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SmearscopeError } from '../errors.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff']);

/** Expands files and folders (not recursively) into image paths, sorted per folder. */
export async function listImages(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch((error: Error) => {
      throw new SmearscopeError('IO_FAILED', `cannot read ${input}: ${error.message}`);
    });
    if (info.isDirectory()) {
      const names = (await readdir(input)).filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase())).sort();
      files.push(...names.map((name) => join(input, name)));
    } else {
      files.push(input);
    }
  }
  return files;
}
