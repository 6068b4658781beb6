import { SmearscopeError } from '../errors.js';
import { WASM_CSP_FIX, wasmBlockedByCsp } from '../wasm-csp.js';
import { checkReachable, type OrtFiles } from './browser-assets.js';

/** IO_FAILED naming one of ONNX Runtime's files that cannot be fetched (see checkReachable for `networkError`). */
export async function checkOrtFiles(urls: OrtFiles, networkError: 'let through' | 'fail'): Promise<void> {
  await Promise.all([
    checkReachable(urls.mjs, "ONNX Runtime's glue", networkError),
    checkReachable(urls.wasm, "ONNX Runtime's wasm binary", networkError),
  ]);
}

/**
 * What stopped ONNX Runtime Web from starting from `urls` (OrtModule.explainSetupFailure): its own
 * words ("no available backend found ... Aborted(...)") name neither cause plainly. WebAssembly
 * refused by a Content-Security-Policy is BACKEND_UNAVAILABLE; a file that cannot be fetched now (a
 * network error included, which loadOrt's check let through) is IO_FAILED naming it. Else undefined.
 */
export async function explainOrtSetupFailure(error: unknown, urls: OrtFiles): Promise<SmearscopeError | undefined> {
  if (wasmBlockedByCsp(error))
    return new SmearscopeError('BACKEND_UNAVAILABLE', `ONNX Runtime could not compile its WebAssembly: ${WASM_CSP_FIX}`, { cause: error });
  return checkOrtFiles(urls, 'fail').then(
    () => undefined,
    (unreachable: SmearscopeError) => unreachable,
  );
}
