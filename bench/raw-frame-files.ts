import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from '../src/frame.js';
import type { RawFrameFiles } from './host.js';

/**
 * Each frame's pixels in a raw file of its own (a scanner's frame dump), in a fresh temporary
 * folder, open for reading: `read(k, target)` reads frame k's bytes into `target` (from the page
 * cache once written: the kernel's copy, as a scanner's frames arriving through files cost).
 * `close()` closes the files and removes the folder.
 */
export function openRawFrameFiles(frames: readonly Frame[]): RawFrameFiles {
  const folder = mkdtempSync(join(tmpdir(), 'smearscope-raw-frames-'));
  const descriptors: number[] = [];
  try {
    frames.forEach((frame, k) => {
      const path = join(folder, `${k}.raw`);
      writeFileSync(path, frame.pixels);
      descriptors.push(openSync(path, 'r'));
    });
  } catch (error) {
    for (const fd of descriptors) closeSync(fd);
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    read(k, target) {
      let done = 0;
      while (done < target.byteLength) {
        const got = readSync(descriptors[k], target, done, target.byteLength - done, done);
        if (got === 0) throw new Error(`raw frame file ${k} ended after ${done} of ${target.byteLength} bytes`);
        done += got;
      }
    },
    close() {
      for (const fd of descriptors.splice(0)) closeSync(fd);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
