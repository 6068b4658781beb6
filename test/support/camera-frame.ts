import type { Frame } from '../../src/frame.js';

/**
 * A frame as a camera SDK's class might hand it over: every field a getter on the prototype (a
 * spread or a copy of the object has none of them) and a method of its own (a post of the object
 * fails with DataCloneError). Reads `source`, never copies it.
 */
export class CameraFrame {
  released = false;
  constructor(private readonly source: Frame) {}
  get width() {
    return this.source.width;
  }
  get height() {
    return this.source.height;
  }
  get channels() {
    return this.source.channels;
  }
  get pixels() {
    return this.source.pixels;
  }
  get label() {
    return this.source.label;
  }
  get micronsPerPixel() {
    return this.source.micronsPerPixel;
  }
  release() {
    this.released = true;
  }
}
