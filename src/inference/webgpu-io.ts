/// <reference types="@webgpu/types" />
import type * as ortTypes from 'onnxruntime-common';
import { SmearscopeError } from '../errors.js';
import type { OrtModule } from './backend.js';
import { keepRegistered } from './webgpu-registration.js';

/** IO binding for the webgpu backend: the batch is written into one GPU buffer that stays bound. */
export interface WebGpuIo {
  /** Runs on `input` (written into the bound buffer first), or, without it, on what the bound
   * buffer holds (patches written there on the GPU). */
  run(input?: Float32Array): Promise<Record<string, ortTypes.Tensor>>;
  /** The device and the bound input buffer ([B, 3, H, W] float32), for writers on the GPU. */
  readonly device: GPUDevice;
  readonly inputBuffer: GPUBuffer;
  /** Host copy of output `name` of the last run, `tensor` as run returned it; the caller owns the copy. */
  read(name: string, tensor: ortTypes.Tensor): Promise<Float32Array>;
  /** True once the device is lost: the session is unusable and the caller should fall back. */
  isLost(): boolean;
  dispose(): void;
}

/**
 * Binds the session's input to a persistent GPU buffer (one `writeBuffer` per batch instead of a
 * fresh upload tensor), and with `captured` pre-allocates every output on the GPU with static
 * shapes, as graph capture requires. Throws when the output shapes are not static.
 */
export async function createWebGpuIo(
  ort: OrtModule,
  session: ortTypes.InferenceSession,
  inputName: string,
  dims: number[],
  fetchNames: string[],
  captured: boolean,
): Promise<WebGpuIo> {
  // The device exists once a webgpu session has been created.
  const device = await (ort.env.webgpu.device as Promise<GPUDevice> | undefined);
  if (!device) throw new SmearscopeError('BACKEND_UNAVAILABLE', 'webgpu: ONNX Runtime exposes no GPU device');
  let lostReason: string | undefined;
  void device.lost.then((info) => {
    lostReason = info.message || info.reason || 'unknown reason';
  });
  const byteLength = dims.reduce((a, b) => a * b, 4);
  const inputBuffer = device.createBuffer({
    size: align16(byteLength),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  const inputTensor = ort.Tensor.fromGpuBuffer(inputBuffer, { dataType: 'float32', dims });
  const outputBuffers = new Map<string, { buffer: GPUBuffer; byteLength: number }>();
  let fetches: string[] | Record<string, ortTypes.Tensor> = fetchNames;
  if (captured) {
    const preallocated: Record<string, ortTypes.Tensor> = {};
    for (const name of fetchNames) {
      const meta = session.outputMetadata.find((m) => m.name === name);
      const shape = meta?.isTensor ? meta.shape.map((d, i) => (i === 0 ? dims[0] : d)) : [];
      if (shape.length === 0 || shape.some((d) => typeof d !== 'number')) {
        throw new Error(`output "${name}" has no static shape (${meta?.isTensor ? meta.shape.join('x') : 'unknown'})`);
      }
      const outDims = shape as number[];
      const outBytes = outDims.reduce((a, b) => a * b, 4);
      const buffer = device.createBuffer({
        size: align16(outBytes),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      outputBuffers.set(name, { buffer, byteLength: outBytes });
      // No downloader: Tensor.getData() would turn the tensor into a CPU one, and the next run
      // would bind that instead of the buffer (graph capture then fails: "External buffer must be
      // provided for input/output index 1"). read() copies the buffer out instead.
      preallocated[name] = ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims: outDims });
    }
    fetches = preallocated;
  }
  let pinTried = false;
  return {
    device,
    inputBuffer,
    async run(input) {
      if (lostReason !== undefined) throw new SmearscopeError('BACKEND_UNAVAILABLE', `webgpu device lost (${lostReason})`);
      if (input) device.queue.writeBuffer(inputBuffer, 0, input.buffer, input.byteOffset, input.byteLength);
      const running = session.run({ [inputName]: inputTensor }, fetches as never);
      if (captured && !pinTried) {
        // The capturing run: keep the buffers' registrations alive so that replays find them.
        pinTried = true;
        await keepRegistered([inputBuffer, ...[...outputBuffers.values()].map((output) => output.buffer)], running);
      }
      return await running;
    },
    async read(name, tensor) {
      const own = outputBuffers.get(name);
      if (own) return readBuffer(device, own.buffer, own.byteLength);
      // ORT's own output buffer: download, then give the buffer back to ORT's pool.
      const data = await tensor.getData(true);
      if (!(data instanceof Float32Array))
        throw new SmearscopeError('MODEL_MISMATCH', `output "${name}" is ${tensor.type}, expected float32`);
      return data;
    },
    isLost: () => lostReason !== undefined,
    dispose() {
      inputBuffer.destroy();
      for (const { buffer } of outputBuffers.values()) buffer.destroy();
    },
  };
}

async function readBuffer(device: GPUDevice, source: GPUBuffer, byteLength: number): Promise<Float32Array<ArrayBuffer>> {
  const staging = device.createBuffer({ size: align16(byteLength), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, 0, staging, 0, align16(byteLength));
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = new Float32Array(staging.getMappedRange().slice(0, byteLength));
  staging.unmap();
  staging.destroy();
  return copy;
}

function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
