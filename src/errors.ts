/**
 * The one error type of smearscope. `code` is stable and machine-readable; the message says what
 * was wrong and what to do about it.
 */
export type SmearscopeErrorCode =
  | 'INVALID_ARGUMENT' // a parameter out of range or of the wrong type
  | 'INVALID_FRAME' // pixel buffer does not match width x height x channels, or is empty
  | 'SCALE_MISMATCH' // a given micronsPerPixel disagrees with the erythrocytes (strict scale)
  | 'DECODE_FAILED' // an image file could not be decoded
  | 'UNSUPPORTED_FORMAT' // an image or model format we do not read
  | 'INVALID_MODEL_CARD' // the card fails its schema
  | 'MODEL_MISMATCH' // card and ONNX graph disagree (names, shapes, class count)
  | 'BACKEND_UNAVAILABLE' // the requested backend cannot run here
  | 'INFERENCE_FAILED' // ONNX Runtime raised during a run
  | 'KERNEL_FAILED' // the WASM kernels trapped or could not load
  | 'WORKER_CRASHED' // a worker died and its retry failed too
  | 'FRAME_TIMEOUT' // a frame overran its decode, preprocess or inference budget; its worker was replaced
  | 'FRAME_TOO_LARGE' // a frame has more pixels than the limits (or the kernels' memory) allow
  | 'ABORTED' // the caller's AbortSignal fired
  | 'DISPOSED' // the scope was used after dispose()
  | 'IO_FAILED'; // a file could not be read or written, or a frame source failed (writePixels, the stream's iterable)

export class SmearscopeError extends Error {
  readonly code: SmearscopeErrorCode;
  constructor(code: SmearscopeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SmearscopeError';
    this.code = code;
  }
}

/** Errors cross worker boundaries as plain objects; this rebuilds the typed error. */
export function toSmearscopeError(error: unknown, fallback: SmearscopeErrorCode): SmearscopeError {
  if (error instanceof SmearscopeError) return error;
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    const { code, message } = error as { code: unknown; message: unknown };
    if (typeof code === 'string' && typeof message === 'string' && isCode(code)) {
      return new SmearscopeError(code, message);
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SmearscopeError(fallback, message, { cause: error });
}

const CODES: ReadonlySet<string> = new Set<SmearscopeErrorCode>([
  'INVALID_ARGUMENT',
  'INVALID_FRAME',
  'SCALE_MISMATCH',
  'DECODE_FAILED',
  'UNSUPPORTED_FORMAT',
  'INVALID_MODEL_CARD',
  'MODEL_MISMATCH',
  'BACKEND_UNAVAILABLE',
  'INFERENCE_FAILED',
  'KERNEL_FAILED',
  'WORKER_CRASHED',
  'FRAME_TIMEOUT',
  'FRAME_TOO_LARGE',
  'ABORTED',
  'DISPOSED',
  'IO_FAILED',
]);

function isCode(code: string): code is SmearscopeErrorCode {
  return CODES.has(code);
}
