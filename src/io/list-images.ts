import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SmearscopeError } from '../errors.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff']);

/**
 * Expands files and folders (not recursively) into image paths, sorted per folder. A folder
 * without PNG/JPEG/TIFF files is INVALID_ARGUMENT (naming its subfolders, if any), as are no
 * inputs: a folder given by mistake must not add nothing in silence beside the others.
 */
export async function listImages(inputs: readonly string[]): Promise<string[]> {
  if (inputs.length === 0) throw new SmearscopeError('INVALID_ARGUMENT', 'no images or folders given');
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch((error: Error) => {
      throw new SmearscopeError('IO_FAILED', `cannot read ${input}: ${error.message}`);
    });
    if (!info.isDirectory()) {
      files.push(input);
      continue;
    }
    const entries = await readdir(input, { withFileTypes: true }).catch((error: Error) => {
      throw new SmearscopeError('IO_FAILED', `cannot list ${input}: ${error.message}`);
    });
    const names = entries.filter((e) => !e.isDirectory() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())).map((e) => e.name);
    if (names.length === 0) {
      const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name);
      throw new SmearscopeError(
        'INVALID_ARGUMENT',
        `no PNG/JPEG/TIFF images in ${input}` +
          (folders.length
            ? ` (folders are not searched recursively; it holds ${folders.slice(0, 5).join(', ')}${folders.length > 5 ? ', ...' : ''})`
            : ''),
      );
    }
    files.push(...names.sort().map((name) => join(input, name)));
  }
  return files;
}
