// A browser compiles WebAssembly only where the Content-Security-Policy allows it: 'wasm-unsafe-eval'
// in script-src (the page's, and each worker script's own). Refused, the error's message names the
// policy (Chromium: "... violates the following Content Security policy directive ..."; ONNX Runtime
// passes it on inside "no available backend found"). Users must hear that, not "SIMD is required" or
// "could not load the model".

/** What to change, for the messages of errors that wasmBlockedByCsp recognizes. */
export const WASM_CSP_FIX =
  "the page's Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval' to its script-src (worker-src 'self' is enough for the workers)";

/** Whether `error` is WebAssembly refused by a Content-Security-Policy. */
export function wasmBlockedByCsp(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /Content.Security.Policy|wasm-unsafe-eval/i.test(message);
}
