import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SmearscopeError } from '../errors.js';

/** Where a report goes: the --out file (written as it arrives) or stdout. */
export interface Output {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * INVALID_ARGUMENT unless `path` can be written: an existing writable file, or a new file in a
 * writable folder. Nothing is created or truncated here. Commands call it before any work, so an
 * unwritable --out does not cost a whole run; `nothingDone` says what was spared ("nothing was analyzed").
 */
export async function checkWritable(path: string, nothingDone: string): Promise<void> {
  const problem = await stat(path).then(
    async (info) =>
      info.isFile()
        ? access(path, constants.W_OK).then(
            () => undefined,
            () => 'the file is not writable',
          )
        : 'it is not a file',
    () =>
      access(dirname(resolve(path)), constants.W_OK).then(
        () => undefined,
        () => 'its folder does not exist or is not writable',
      ),
  );
  if (problem) throw new SmearscopeError('INVALID_ARGUMENT', `--out ${path}: ${problem}; choose another path (${nothingDone})`);
}

/** Opens the --out file (or stdout when `path` is undefined); a file that cannot be opened or written is IO_FAILED. */
export async function openOutput(path: string | undefined): Promise<Output> {
  if (!path) {
    return {
      write: (text) => new Promise<void>((done) => (process.stdout.write(text) ? done() : process.stdout.once('drain', done))),
      close: async () => undefined,
    };
  }
  // checkWritable ran before the work; the file can still go (its folder removed, the disk full) by the time it is written.
  const failed = (error: Error) => new SmearscopeError('IO_FAILED', `cannot write --out ${path}: ${error.message}`, { cause: error });
  const file = await open(path, 'w').catch((error: Error) => {
    throw failed(error);
  });
  return {
    write: (text) =>
      file.write(text).then(
        () => undefined,
        (error: Error) => {
          throw failed(error);
        },
      ),
    close: () => file.close(),
  };
}

/** Writes a whole report to the --out file or stdout (IO_FAILED when the file cannot be written). */
export async function writeOutput(path: string | undefined, text: string): Promise<void> {
  const output = await openOutput(path);
  try {
    await output.write(text);
  } finally {
    await output.close();
  }
}
