import { SmearscopeError } from '../errors.js';

/** A WebAssembly memory page. */
export const PAGE_BYTES = 65536;
const ALIGN_BYTES = 16; // v128 loads want 16-byte alignment
const CANARY = 0xa5;
/** The kernels take pointers as i32: past 2 GiB they would trap (memory access out of bounds). */
export const KERNEL_MEMORY_MAX_BYTES = 2 ** 31 - PAGE_BYTES;

/**
 * A stack allocator over the kernels' linear memory. Kernels never allocate: JS places every buffer
 * here, calls the kernel with pointers, reads the result and releases back to a mark. Growing
 * memory detaches every typed-array view, so views are made fresh (`u8`, `f32`, ...) after the last
 * allocation of a call and never kept across calls.
 *
 * With `canaryBytes > 0` (tests, fuzzing) each buffer is followed by a run of 0xA5 bytes and
 * `checkCanaries()` throws if a kernel wrote past any live buffer.
 */
export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  private readonly heapBase: number;
  private readonly canaryBytes: number;
  private readonly maxBytes: number;
  private top: number;
  /** [ptr, byteLength] of live buffers, for canary checks. */
  private live: Array<[number, number]> = [];

  constructor(memory: WebAssembly.Memory, heapBase: number, options: { canaryBytes?: number; maxBytes?: number } = {}) {
    this.memory = memory;
    this.heapBase = alignUp(heapBase);
    this.canaryBytes = options.canaryBytes ?? 0;
    this.maxBytes = Math.min(options.maxBytes ?? KERNEL_MEMORY_MAX_BYTES, KERNEL_MEMORY_MAX_BYTES);
    this.top = this.heapBase + this.canaryBytes;
    this.armLowerGuard();
  }

  /** Current top of the stack; pass it to `release` to free everything allocated after it. */
  mark(): number {
    return this.live.length;
  }

  /** Frees every buffer allocated after `mark` (their pointers become invalid). */
  release(mark: number): void {
    if (mark < 0 || mark > this.live.length) throw new SmearscopeError('KERNEL_FAILED', `bad memory mark ${mark}`);
    this.live.length = mark;
    const last = this.live[mark - 1];
    this.top = last ? alignUp(last[0] + last[1] + this.canaryBytes) : this.heapBase + this.canaryBytes;
    this.top = alignUp(this.top);
  }

  /** Reserves `byteLength` bytes (16-byte aligned), growing memory when needed; returns the pointer. */
  alloc(byteLength: number): number {
    if (!Number.isInteger(byteLength) || byteLength < 0) {
      throw new SmearscopeError('KERNEL_FAILED', `cannot allocate ${byteLength} bytes`);
    }
    const ptr = alignUp(this.top);
    const end = ptr + byteLength + this.canaryBytes;
    if (end > this.maxBytes) {
      // Refused before growing: the frame (and its work buffers) cannot be held.
      throw new SmearscopeError(
        'FRAME_TOO_LARGE',
        `the kernels would need ${(end / 2 ** 20).toFixed(0)} MiB of their ${(this.maxBytes / 2 ** 20).toFixed(0)} MiB for this frame; split it into tiles`,
      );
    }
    const needed = end - this.memory.buffer.byteLength;
    if (needed > 0) {
      try {
        this.memory.grow(Math.ceil(needed / PAGE_BYTES));
      } catch (error) {
        throw new SmearscopeError(
          'KERNEL_FAILED',
          `the kernels ran out of memory growing to ${(end / 2 ** 20).toFixed(0)} MiB; use smaller frames`,
          { cause: error },
        );
      }
    }
    if (this.canaryBytes > 0) new Uint8Array(this.memory.buffer, ptr + byteLength, this.canaryBytes).fill(CANARY);
    this.live.push([ptr, byteLength]);
    this.top = end;
    return ptr;
  }

  /** Where the next `alloc` places its buffer: with nothing allocated, where another thread may
   * write a frame for `adopt` (a shared memory's inbox). */
  nextPtr(): number {
    return alignUp(this.top);
  }

  /**
   * Reserves the `byteLength` bytes another thread already wrote at `ptr` (a shared memory), instead
   * of copying them in; `ptr` must be `nextPtr()`. Returns `ptr`, released like any buffer.
   */
  adopt(ptr: number, byteLength: number): number {
    if (ptr !== this.nextPtr()) {
      throw new SmearscopeError('KERNEL_FAILED', `a frame was written at ${ptr}, but the next kernel buffer is at ${this.nextPtr()}`);
    }
    return this.alloc(byteLength);
  }

  /** Copies `source` into a new buffer; returns its pointer. */
  allocCopy(source: ArrayBufferView): number {
    const ptr = this.alloc(source.byteLength);
    new Uint8Array(this.memory.buffer, ptr, source.byteLength).set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
    return ptr;
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }
  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, length);
  }
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }
  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, length);
  }

  /** Throws KERNEL_FAILED naming the first buffer whose trailing canary was overwritten. */
  checkCanaries(): void {
    if (this.canaryBytes === 0) return;
    const bytes = new Uint8Array(this.memory.buffer);
    for (const [ptr, byteLength] of this.live) {
      for (let i = ptr + byteLength, end = i + this.canaryBytes; i < end; i++) {
        if (bytes[i] !== CANARY) {
          throw new SmearscopeError('KERNEL_FAILED', `out-of-bounds write after buffer at ${ptr} (${byteLength} bytes)`);
        }
      }
    }
    // The guard before the first buffer catches writes below it.
    for (let i = this.heapBase; i < this.heapBase + this.canaryBytes; i++) {
      if (bytes[i] !== CANARY) throw new SmearscopeError('KERNEL_FAILED', 'out-of-bounds write below the first buffer');
    }
  }

  /** Writes the guard below the first buffer. */
  private armLowerGuard(): void {
    if (this.canaryBytes > 0) {
      const end = this.heapBase + this.canaryBytes;
      if (end > this.memory.buffer.byteLength) this.memory.grow(1);
      new Uint8Array(this.memory.buffer, this.heapBase, this.canaryBytes).fill(CANARY);
    }
  }
}

function alignUp(ptr: number): number {
  return (ptr + ALIGN_BYTES - 1) & ~(ALIGN_BYTES - 1);
}
