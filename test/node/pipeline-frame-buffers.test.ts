import { describe, expect, it } from 'vitest';
import { plainFrame, type Frame } from '../../src/frame.js';
import { FrameBuffers, pixelsHandedOver } from '../../src/pipeline/frame-buffers.js';
import { CameraFrame } from '../support/camera-frame.js';

function frame(width: number, height: number, fill: number): Frame {
  return { width, height, channels: 4, pixels: new Uint8Array(width * height * 4).fill(fill), micronsPerPixel: 0.1 };
}

describe('FrameBuffers (frames sent to preprocess workers)', () => {
  it("copies the pixels into a buffer of their own and keeps the frame's header", () => {
    const buffers = new FrameBuffers(2);
    const input = frame(3, 2, 9);
    const { frame: packed, transfer } = buffers.pack(input);
    const pixels = (packed as Frame).pixels;
    expect(transfer).toEqual([pixels.buffer]);
    expect(pixels.buffer).not.toBe(input.pixels.buffer);
    expect(Array.from(pixels)).toEqual(Array.from(input.pixels));
    expect((packed as Frame).micronsPerPixel).toBe(0.1);
    pixels[0] = 1;
    expect(input.pixels[0]).toBe(9);
  });

  it('reuses a handed-back buffer of the same size, keeps at most `capacity`, ignores detached ones', () => {
    const buffers = new FrameBuffers(1);
    const first = buffers.pack(frame(4, 4, 1)).transfer[0];
    buffers.give(first);
    expect(buffers.pack(frame(4, 4, 2)).transfer[0]).toBe(first);
    // A different size gets a fresh buffer; the spare of the other size stays until evicted.
    buffers.give(first);
    const other = buffers.pack(frame(5, 4, 3)).transfer[0];
    expect(other).not.toBe(first);
    buffers.give(other); // capacity 1: `first` is dropped
    expect(buffers.pack(frame(4, 4, 4)).transfer[0]).not.toBe(first);
    // A detached buffer (byteLength 0) must not push a live spare out.
    const live = buffers.pack(frame(4, 1, 5)).transfer[0];
    buffers.give(live);
    const detached = new ArrayBuffer(16);
    structuredClone(detached, { transfer: [detached] });
    buffers.give(detached);
    buffers.give(undefined);
    expect(buffers.pack(frame(4, 1, 6)).transfer[0]).toBe(live);
  });

  it('hands over pixels that own their buffer (no copy) and copies views into a larger or shared one', () => {
    const buffers = new FrameBuffers(1);
    const own = frame(3, 2, 7);
    const { frame: packed, transfer } = buffers.pack(own, true);
    expect((packed as Frame).pixels).toBe(own.pixels); // the caller's own view: no copy
    expect(packed).toEqual(own); // the header travels with it, nothing else
    expect(transfer).toEqual([own.pixels.buffer]);
    expect(pixelsHandedOver(own)).toBe(false); // not yet: the buffer is detached when posted
    structuredClone(own.pixels.buffer, { transfer });
    expect(pixelsHandedOver(own)).toBe(true);
    const view = { ...frame(1, 1, 0), pixels: new Uint8Array(new ArrayBuffer(12), 4, 4).fill(5) };
    const copied = buffers.pack(view, true);
    expect(copied.transfer[0]).not.toBe(view.pixels.buffer);
    expect(Array.from((copied.frame as Frame).pixels)).toEqual([5, 5, 5, 5]);
    const shared = { ...frame(1, 1, 0), pixels: new Uint8Array(new SharedArrayBuffer(4)).fill(6) };
    expect(buffers.pack(shared, true).transfer[0]).toBeInstanceOf(ArrayBuffer);
    expect(pixelsHandedOver(shared)).toBe(false);
  });

  it('plainFrame reads a class-based frame through its getters and leaves its methods behind', () => {
    const camera = new CameraFrame({ width: 2, height: 1, channels: 3, pixels: new Uint8Array(6).fill(4), label: 'cam 1' });
    expect({ ...camera }).not.toHaveProperty('width'); // what a spread of the object gives
    const plain = plainFrame(camera);
    expect(plain).toEqual({ width: 2, height: 1, channels: 3, label: 'cam 1', pixels: camera.pixels });
    expect(() => structuredClone(plain)).not.toThrow();
    const encoded = { encoded: new Uint8Array([1, 2]), page: 0, label: 'a.tif', close: () => undefined };
    expect(plainFrame(encoded)).toEqual({ encoded: encoded.encoded, page: 0, label: 'a.tif' });
  });

  it("sends a frame's header and pixels only: its methods and other fields stay with the caller", () => {
    const buffers = new FrameBuffers(1);
    const withExtras = { ...frame(2, 1, 3), label: 'a', release: () => undefined, device: { handle: 1 } };
    for (const handOver of [false, true]) {
      const { frame: packed, transfer } = buffers.pack({ ...withExtras, pixels: withExtras.pixels.slice() }, handOver);
      expect(Object.keys(packed).sort()).toEqual(['channels', 'height', 'label', 'micronsPerPixel', 'pixels', 'width']);
      expect(() => structuredClone(packed, { transfer })).not.toThrow(); // a function would: DataCloneError
    }
  });

  it('passes encoded and malformed frames through untouched (the worker reports them)', () => {
    const buffers = new FrameBuffers(1);
    const encoded = { encoded: new Uint8Array([1, 2, 3]), label: 'x.png' };
    expect(buffers.pack(encoded)).toEqual({ frame: encoded, transfer: [] });
    const malformed = { width: 2, height: 2, channels: 4, pixels: [1, 2, 3] } as unknown as Frame;
    expect(buffers.pack(malformed).frame).toBe(malformed);
  });
});
