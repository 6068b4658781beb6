import { SmearscopeError } from '../errors.js';
import { checkFrame, type Frame } from '../frame.js';
import { BACKGROUND_INTENSITY } from '../stain/background.js';
import { checkCentres, checkPatchSpec, floatsPerPatch, type PatchCentre, type PatchSpec } from './write-patches.js';

// The patch kernel (assembly/patch.ts, its definition in test/reference/patch.ts) as a WebGPU
// compute shader: one invocation per output pixel of one cell, writing float32 NCHW straight into a
// GPU storage buffer (the model session's input buffer), so patches never return to the CPU.
// Same geometry (half-pixel centres, 2-tap bilinear, no antialiasing), same borders, same order
// (bilinear on raw intensities, Macenko map on the unrounded values, then mean/std). f32 throughout:
// sample positions are taken relative to the crop origin computed in f64 on the CPU, so they stay
// within ~1e-4 px of the f64 definition even 10,000 px from the frame origin.
const PATCH_WGSL = /* wgsl */ `
struct Params {
  width: u32, height: u32, channels: u32, cellCount: u32,
  inputWidth: u32, inputHeight: u32, border: u32, useStain: u32,
  step: vec2<f32>, io: f32, firstSlot: u32,
  scale: vec4<f32>, offset: vec4<f32>, fill: vec4<f32>,
  stain0: vec4<f32>, stain1: vec4<f32>, stain2: vec4<f32>,
};
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> frame: array<u32>;
// Per cell: crop origin (x0 - 0.5, y0 - 0.5) split into an integer and a fractional part.
@group(0) @binding(2) var<storage, read> origins: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> written: array<u32>;

fn mirror(t: i32, n: i32) -> i32 {
  if (t >= 0 && t < n) { return t; }
  let period = 2 * n;
  var m = t % period;
  if (m < 0) { m = m + period; }
  if (m < n) { return m; }
  return period - 1 - m;
}

fn channel(x: i32, y: i32, c: u32) -> f32 {
  let w = i32(params.width);
  let h = i32(params.height);
  if (params.border == 1u && (x < 0 || y < 0 || x >= w || y >= h)) { return params.fill[c]; }
  let byte = (u32(mirror(y, h)) * params.width + u32(mirror(x, w))) * params.channels + c;
  return f32((frame[byte >> 2u] >> ((byte & 3u) * 8u)) & 255u);
}

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  let i = id.y;
  let cell = id.z;
  if (j >= params.inputWidth || i >= params.inputHeight || cell >= params.cellCount) { return; }
  let origin = origins[cell];
  if (params.border == 2u) {
    // Skip: every sample of the cell must lie inside [0, width - 1] x [0, height - 1].
    let first = origin.xy + origin.zw + 0.5 * params.step;
    let last = origin.xy + origin.zw + (vec2<f32>(f32(params.inputWidth), f32(params.inputHeight)) - 0.5) * params.step;
    if (first.x < 0.0 || first.y < 0.0 || last.x > f32(params.width - 1u) || last.y > f32(params.height - 1u)) { return; }
  }
  // Sample position = integer origin + (fractional origin + (index + 0.5) * step).
  let offset = origin.zw + (vec2<f32>(f32(j), f32(i)) + 0.5) * params.step;
  let low = floor(offset);
  let f = offset - low;
  let x = i32(origin.x) + i32(low.x);
  let y = i32(origin.y) + i32(low.y);
  var rgb = vec3<f32>(0.0);
  for (var c = 0u; c < 3u; c = c + 1u) {
    let top = (1.0 - f.x) * channel(x, y, c) + f.x * channel(x + 1, y, c);
    let bottom = (1.0 - f.x) * channel(x, y + 1, c) + f.x * channel(x + 1, y + 1, c);
    rgb[c] = (1.0 - f.y) * top + f.y * bottom;
  }
  if (params.useStain == 1u) {
    let od = -log((rgb + 1.0) / params.io);
    let mapped = vec3<f32>(dot(params.stain0.xyz, od), dot(params.stain1.xyz, od), dot(params.stain2.xyz, od));
    rgb = min(vec3<f32>(255.0), params.io * exp(-mapped));
  }
  let plane = params.inputWidth * params.inputHeight;
  let base = (params.firstSlot + cell) * 3u * plane + i * params.inputWidth + j;
  for (var c = 0u; c < 3u; c = c + 1u) {
    out[base + c * plane] = rgb[c] * params.scale[c] + params.offset[c];
  }
  if (i == 0u && j == 0u) { written[cell] = 1u; }
}
`;

/** Bytes of the uniform block (Params above, 16-byte aligned fields). */
const PARAMS_BYTES = 144;
const BORDER_CODES = { reflect: 0, constant: 1, skip: 2 } as const;

/** A frame's pixels in a GPU storage buffer, for any number of patch writes; the caller destroys it. */
export interface GpuFrame {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  /** Bytes on the GPU (the pixels rounded up to whole u32 words). */
  readonly byteLength: number;
  destroy(): void;
}

/** Writes model-input patches with the GPU into a buffer the caller owns (e.g. the session's input). */
export interface GpuPatchWriter {
  /** Uploads a frame's pixels (one copy into a new GPU buffer; the caller's pixels are only read). */
  upload(frame: Frame): GpuFrame;
  /**
   * Records into `encoder` the patches of `centres` into `output` ([B, 3, inputHeight, inputWidth]
   * floats, a STORAGE buffer): centre i to slot firstSlot + i, as writePatches does on the CPU.
   * Nothing is read back; the small buffers the pass uses are destroyed by `afterSubmit()` (call it
   * once the encoder's commands are submitted). Slots of centres that border 'skip' rejects are left
   * untouched (the pipeline leaves such cells out beforehand, with patchInsideFrame).
   */
  encode(
    encoder: GPUCommandEncoder,
    frame: GpuFrame,
    centres: readonly PatchCentre[],
    spec: PatchSpec,
    output: GPUBuffer,
    firstSlot: number,
  ): { afterSubmit(): void };
  /**
   * Upload, encode, submit and read back which centres were written: true when written, false when
   * skipped by border 'skip'. One call per frame; for tests and one-off use.
   */
  write(frame: Frame, centres: readonly PatchCentre[], spec: PatchSpec, output: GPUBuffer, firstSlot: number): Promise<boolean[]>;
  dispose(): void;
}

interface ResidentGpuFrame extends GpuFrame {
  readonly buffer: GPUBuffer;
}

/** A patch writer on `device` (the device the session's input buffer lives on). */
export function createGpuPatchWriter(device: GPUDevice): GpuPatchWriter {
  const module = device.createShaderModule({ code: PATCH_WGSL });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });

  const upload = (frame: Frame): ResidentGpuFrame => {
    checkFrame(frame);
    const buffer = uploadFrame(device, frame);
    return {
      width: frame.width,
      height: frame.height,
      channels: frame.channels,
      byteLength: buffer.size,
      buffer,
      destroy: () => buffer.destroy(),
    };
  };

  /** Records one pass; returns its temporary buffers (params, origins, written flags). */
  const record = (
    encoder: GPUCommandEncoder,
    frame: ResidentGpuFrame,
    centres: readonly PatchCentre[],
    spec: PatchSpec,
    output: GPUBuffer,
    firstSlot: number,
  ): { temporaries: GPUBuffer[]; writtenBuffer: GPUBuffer; writtenBytes: number } => {
    const sidePx = checkPatchSpec(spec);
    checkCentres(centres);
    const slots = output.size / 4 / floatsPerPatch(spec);
    if (!(Number.isInteger(firstSlot) && firstSlot >= 0 && firstSlot + centres.length <= slots)) {
      throw new SmearscopeError(
        'INVALID_ARGUMENT',
        `writePatches (GPU): ${centres.length} patches from slot ${firstSlot} do not fit the output buffer's ${Math.floor(slots)} slots`,
      );
    }
    // Each pass has its own uniform buffer: queue.writeBuffer into one shared block would give
    // every pass of a submit the last pass's parameters.
    const params = createFilled(device, paramsBlock(frame, centres.length, spec, sidePx, firstSlot), GPUBufferUsage.UNIFORM);
    const originBuffer = uploadOrigins(device, centres, sidePx);
    const writtenBytes = Math.max(16, centres.length * 4);
    const writtenBuffer = device.createBuffer({ size: writtenBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [params, frame.buffer, originBuffer, output, writtenBuffer].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(spec.inputWidth / 8), Math.ceil(spec.inputHeight / 8), centres.length);
    pass.end();
    return { temporaries: [params, originBuffer, writtenBuffer], writtenBuffer, writtenBytes };
  };

  return {
    upload,
    encode(encoder, frame, centres, spec, output, firstSlot) {
      if (centres.length === 0) return { afterSubmit: () => undefined };
      const { temporaries } = record(encoder, frame as ResidentGpuFrame, centres, spec, output, firstSlot);
      return { afterSubmit: () => temporaries.forEach((buffer) => buffer.destroy()) };
    },
    async write(frame, centres, spec, output, firstSlot) {
      checkFrame(frame);
      checkPatchSpec(spec);
      checkCentres(centres);
      if (centres.length === 0) return [];
      const resident = upload(frame);
      const encoder = device.createCommandEncoder();
      let temporaries: GPUBuffer[] = [];
      const readBack = device.createBuffer({
        size: Math.max(16, centres.length * 4),
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      try {
        const recorded = record(encoder, resident, centres, spec, output, firstSlot);
        temporaries = recorded.temporaries;
        encoder.copyBufferToBuffer(recorded.writtenBuffer, 0, readBack, 0, recorded.writtenBytes);
        device.queue.submit([encoder.finish()]);
        await readBack.mapAsync(GPUMapMode.READ);
        const flags = new Uint32Array(readBack.getMappedRange().slice(0));
        readBack.unmap();
        return centres.map((_, i) => flags[i] === 1);
      } finally {
        for (const buffer of [...temporaries, readBack]) buffer.destroy();
        resident.destroy();
      }
    },
    dispose() {},
  };
}

/** The Params uniform block for one call. */
function paramsBlock(
  frame: Pick<Frame, 'width' | 'height' | 'channels'>,
  cellCount: number,
  spec: PatchSpec,
  sidePx: number,
  firstSlot: number,
): ArrayBuffer {
  const block = new ArrayBuffer(PARAMS_BYTES);
  const u32 = new Uint32Array(block);
  const f32 = new Float32Array(block);
  u32.set([frame.width, frame.height, frame.channels, cellCount, spec.inputWidth, spec.inputHeight, BORDER_CODES[spec.border]]);
  u32[7] = spec.stain ? 1 : 0;
  f32.set([sidePx / spec.inputWidth, sidePx / spec.inputHeight, spec.backgroundIntensity ?? BACKGROUND_INTENSITY], 8);
  u32[11] = firstSlot;
  // (v / 255 - mean) / std = v * scale + offset.
  for (let c = 0; c < 3; c++) {
    f32[12 + c] = 1 / (255 * spec.std[c]);
    f32[16 + c] = -spec.mean[c] / spec.std[c];
    f32[20 + c] = spec.constantRgb?.[c] ?? 0;
    for (let k = 0; k < 3 && spec.stain; k++) f32[24 + 4 * c + k] = spec.stain[3 * c + k];
  }
  return block;
}

/** The frame's bytes as a storage buffer (length rounded up to whole u32 words). */
function uploadFrame(device: GPUDevice, frame: Frame): GPUBuffer {
  const byteLength = frame.pixels.byteLength;
  const buffer = device.createBuffer({
    size: Math.max(16, Math.ceil(byteLength / 4) * 4),
    usage: GPUBufferUsage.STORAGE,
    mappedAtCreation: true,
  });
  new Uint8Array(buffer.getMappedRange(), 0, byteLength).set(frame.pixels);
  buffer.unmap();
  return buffer;
}

/** A new buffer of `usage` holding `block`'s bytes. */
function createFilled(device: GPUDevice, block: ArrayBuffer, usage: number): GPUBuffer {
  const buffer = device.createBuffer({ size: Math.max(16, Math.ceil(block.byteLength / 16) * 16), usage, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange(), 0, block.byteLength).set(new Uint8Array(block));
  buffer.unmap();
  return buffer;
}

/**
 * Per cell the sample origin (x0 - 0.5, y0 - 0.5), x0 = centre + 0.5 - side / 2, computed in f64
 * and split into floor and fraction, so the shader's f32 adds only small numbers.
 */
function uploadOrigins(device: GPUDevice, centres: readonly PatchCentre[], sidePx: number): GPUBuffer {
  const origins = new Float32Array(centres.length * 4);
  centres.forEach((centre, i) => {
    const ox = centre.x - sidePx * 0.5;
    const oy = centre.y - sidePx * 0.5;
    origins.set([Math.floor(ox), Math.floor(oy), ox - Math.floor(ox), oy - Math.floor(oy)], 4 * i);
  });
  return createFilled(device, origins.buffer, GPUBufferUsage.STORAGE);
}
