import type { Endpoint } from 'comlink';
import { SmearscopeError } from '../errors.js';
import { checkFramePixels } from '../frame.js';
import { DEFAULT_MAX_FRAME_PIXELS } from '../io/decode-limits.js';
import { headerImageSize } from '../io/image-size.js';
import { defaultModelCardUrl, modelFiles } from './browser-assets.js';
import { fetchBytes } from './browser-fetch.js';
import type { Platform } from './types.js';

// Bundled into dist/browser/index.js and dist/workers/*.js. Where the workers, ONNX Runtime's files
// and the models are: src/platform/browser-assets.ts.
export const platform: Platform = {
  name: 'browser',
  parentEndpoint: () => globalThis as unknown as Endpoint,
  async decodeImage(bytes, label, options) {
    if (options.page) throw new SmearscopeError('UNSUPPORTED_FORMAT', `${label}: browsers decode the first page of an image only`);
    const maxFramePixels = options.maxFramePixels ?? DEFAULT_MAX_FRAME_PIXELS;
    // From the header first: createImageBitmap would allocate the whole image before we could look.
    const size = headerImageSize(bytes);
    if (size) checkFramePixels(label, size.width, size.height, maxFramePixels);
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    } catch (error) {
      throw new SmearscopeError('DECODE_FAILED', `${label}: the browser could not decode this image (${(error as Error).message})`, {
        cause: error,
      });
    }
    try {
      checkFramePixels(label, bitmap.width, bitmap.height, maxFramePixels);
    } catch (error) {
      bitmap.close();
      throw error;
    }
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height, { colorSpace: 'srgb' }).data;
    bitmap.close();
    return { width: canvas.width, height: canvas.height, channels: 4, pixels, label };
  },
  readBytes: (location, options) => fetchBytes(location, options),
  resolveRelative(relative, base) {
    return new URL(relative, new URL(String(base), globalThis.location?.href));
  },
  candidateBackends: () => ['webgpu', 'wasm'],
  inferenceThreads: (backend) => (backend === 'wasm' && globalThis.crossOriginIsolated ? modelCores() : 1),
  // Separate single-threaded sessions need no shared memory: a page without COOP/COEP, limited to
  // one WASM thread per session, still uses the cores through several of them.
  inferenceSessions: (backend) => (backend === 'wasm' ? modelCores() : 1),
  defaultPreprocessWorkers: () => Math.max(1, Math.min(4, (navigator.hardwareConcurrency ?? 2) - 1)),
  shippedModelFiles: modelFiles,
  defaultModelCard: defaultModelCardUrl,
};

/** Cores the model may use by default: all, at most 4 (as threads of one session, or one session each). */
function modelCores(): number {
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency ?? 1));
}
