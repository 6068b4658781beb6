import { SmearscopeError } from '../errors.js';
import type { BackendName, OrtModule } from './backend.js';

/**
 * ONNX Runtime starts its runtime (in browsers: fetches and compiles its .mjs glue and .wasm binary)
 * with the first session, and reports a failure there as "no available backend found": the runtime
 * did not start, the graph was never looked at. Such an error becomes what the loader can tell about
 * it (OrtModule.explainSetupFailure: a file it cannot fetch, a Content-Security-Policy), else
 * BACKEND_UNAVAILABLE with ORT's words. Undefined for any other error (the caller's to classify).
 */
export async function runtimeSetupFailure(ort: OrtModule, backend: BackendName, error: unknown): Promise<SmearscopeError | undefined> {
  const message = error instanceof Error ? error.message : String(error);
  if (!/no available backend found/i.test(message)) return undefined;
  return (
    (await ort.explainSetupFailure?.(error)) ??
    new SmearscopeError('BACKEND_UNAVAILABLE', `${backend}: ONNX Runtime could not start its runtime (${message})`, { cause: error })
  );
}
