// Decoded frames on demand. A session may hold thousands of frames (a small-field camera gives
// one or two leukocytes each) and a decoded 640 x 480 frame is 1.2 MB, a 2452 x 2056 one 20 MB,
// so only the encoded images are kept; bitmaps are decoded when a view needs them, a few at a
// time, and the most recent ones are cached.
import type { FrameImage } from './frame-image.js';

const DECODES_AT_ONCE = 4;

export class FrameBitmaps {
  private readonly sources = new Map<number, FrameImage>();
  /** Most recently used last. Evicted bitmaps are only dropped (a drawImage may still hold one). */
  private readonly cache = new Map<number, Promise<ImageBitmap | undefined>>();
  private decoding = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly keep = 32) {}

  set(frameId: number, source: FrameImage): void {
    this.sources.set(frameId, source);
  }

  /** The frame decoded, or undefined when it has no image or does not decode. */
  get(frameId: number): Promise<ImageBitmap | undefined> {
    const cached = this.cache.get(frameId);
    if (cached) {
      this.cache.delete(frameId);
      this.cache.set(frameId, cached);
      return cached;
    }
    const source = this.sources.get(frameId);
    if (!source) return Promise.resolve(undefined);
    const decoded = this.limited(() => source.bitmap()).catch(() => undefined);
    this.cache.set(frameId, decoded);
    while (this.cache.size > this.keep) this.cache.delete(this.cache.keys().next().value!);
    return decoded;
  }

  clear(): void {
    this.sources.clear();
    this.cache.clear();
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.decoding >= DECODES_AT_ONCE) await new Promise<void>((wake) => this.waiting.push(wake));
    this.decoding++;
    try {
      return await work();
    } finally {
      this.decoding--;
      this.waiting.shift()?.();
    }
  }
}
