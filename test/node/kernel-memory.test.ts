import { describe, expect, it } from 'vitest';
import { instantiateKernels } from '../../src/kernels/load.js';

describe('kernel memory', () => {
  it('places buffers above the heap base, aligned, and grows memory on demand', async () => {
    const { exports, memory } = await instantiateKernels();
    const before = exports.memory.buffer.byteLength;
    const a = memory.alloc(10);
    expect(a).toBeGreaterThanOrEqual(exports.heapBase());
    expect(a % 16).toBe(0);
    const b = memory.alloc(before * 2);
    expect(b).toBeGreaterThanOrEqual(a + 10);
    expect(exports.memory.buffer.byteLength).toBeGreaterThanOrEqual(b + before * 2);
  });

  it('release returns the stack to a mark', async () => {
    const { memory } = await instantiateKernels();
    const mark = memory.mark();
    const a = memory.alloc(1000);
    memory.release(mark);
    expect(memory.alloc(1000)).toBe(a);
  });

  it('canaries catch a write past a buffer', async () => {
    const { memory } = await instantiateKernels({ canaryBytes: 64 });
    const ptr = memory.alloc(100);
    memory.u8(ptr, 100).fill(7);
    expect(() => memory.checkCanaries()).not.toThrow();
    memory.u8(ptr, 101)[100] = 0;
    expect(() => memory.checkCanaries()).toThrow(/out-of-bounds write/);
  });
});
