import { SmearscopeError } from '../errors.js';
import type { BackendName } from './backend.js';

/** The float type a model computes in: `fp16` runs the card's float16 graph (`card.fp16.model`). */
export type Dtype = 'fp32' | 'fp16';
/** What `dtype` accepts: `auto` is fp16 only on WebGPU with an adapter that has 'shader-f16'. */
export type DtypeChoice = Dtype | 'auto';
export const DTYPE_CHOICES: readonly DtypeChoice[] = ['auto', 'fp32', 'fp16'];

/**
 * The dtype a session on `backend` runs, with the note saying why, or BACKEND_UNAVAILABLE when an
 * explicit 'fp16' cannot run there. `shaderF16`: whether the WebGPU adapter has 'shader-f16'
 * (undefined: not known, as with onnxruntime-node's WebGPU EP). `hasFp16Graph`: the card names one
 * and it was loaded.
 *
 * Only WebGPU with 'shader-f16' computes in float16. On wasm and native, ONNX Runtime has no float16
 * kernels for these graphs and runs them in float32 between Casts it inserts: slower than fp32
 * (bench: `npm run bench -- models --dtype fp32,fp16`) with the fp16 graph's rounding, so `auto`
 * never picks fp16 there, and an explicit 'fp16' runs (to check a variant's agreement where no
 * float16 GPU is at hand) with a note saying so.
 */
export function resolveDtype(
  choice: DtypeChoice,
  backend: BackendName,
  hasFp16Graph: boolean,
  shaderF16: boolean | undefined,
): { dtype: Dtype; note: string } {
  if (choice === 'fp32') return { dtype: 'fp32', note: 'dtype fp32 as requested' };
  if (choice === 'auto') {
    if (backend !== 'webgpu') return { dtype: 'fp32', note: `dtype fp32 (auto: ${backend} has no float16 kernels)` };
    if (shaderF16 !== true) {
      const why = shaderF16 === false ? "the WebGPU adapter lacks 'shader-f16'" : "the WebGPU adapter's features are not known here";
      return { dtype: 'fp32', note: `dtype fp32 (auto: ${why})` };
    }
    if (!hasFp16Graph) return { dtype: 'fp32', note: 'dtype fp32 (auto: no fp16 graph: the card names none, or see scope.events)' };
    return { dtype: 'fp16', note: "dtype fp16 (auto: the WebGPU adapter has 'shader-f16')" };
  }
  if (!hasFp16Graph) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      "dtype 'fp16': the model's card names no fp16 graph (card field fp16.model); use dtype 'fp32'",
    );
  }
  if (backend === 'webgpu' && shaderF16 === false) {
    throw new SmearscopeError(
      'BACKEND_UNAVAILABLE',
      "webgpu: dtype 'fp16' needs a WebGPU adapter with 'shader-f16' and this one lacks it; use dtype 'auto' or 'fp32'",
    );
  }
  if (backend === 'webgpu') return { dtype: 'fp16', note: 'dtype fp16 as requested' };
  return {
    dtype: 'fp16',
    note: `dtype fp16 as requested: ${backend} has no float16 kernels, so ONNX Runtime computes in float32 between Casts (slower than fp32; for checking the fp16 graph)`,
  };
}
