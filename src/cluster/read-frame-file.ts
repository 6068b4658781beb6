import { readFile, stat } from 'node:fs/promises';
import { SmearscopeError } from '../errors.js';

/**
 * Reads a frame file a frame job names. The size is checked before reading, so an oversized file
 * costs one stat, not its memory. Throws INVALID_FRAME (too large) or IO_FAILED (missing, unreadable:
 * the path must be the same on every worker host). Returns a buffer the caller owns.
 */
export async function readFrameFile(path: string, maxFrameBytes: number): Promise<Uint8Array> {
  const info = await stat(path).catch((error: Error) => {
    throw new SmearscopeError('IO_FAILED', `cannot read ${path} on this worker: ${error.message}; frames travel as paths, so every worker must see the same files at the same path`);
  });
  if (info.size > maxFrameBytes) {
    throw new SmearscopeError('INVALID_FRAME', `${path} has ${info.size} bytes, over this slide's limit of ${maxFrameBytes}; raise --max-frame-mb when submitting if the frame is genuine`);
  }
  return readFile(path).catch((error: Error) => {
    throw new SmearscopeError('IO_FAILED', `cannot read ${path} on this worker: ${error.message}`);
  });
}
