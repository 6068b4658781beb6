// Content-Security-Policies of the browser tests (test/browser/runtime-setup.test.ts). The one that
// works is README "Browser requirements"'s example (test/node/readme-browser.test.ts checks it is).

/** The least a page needs: same-origin scripts and workers, WebAssembly compiled ('wasm-unsafe-eval'). */
export const CSP_WITH_WASM = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";
/** The same without 'wasm-unsafe-eval': no WebAssembly at all. */
export const CSP_WITHOUT_WASM = "default-src 'self'; script-src 'self'; worker-src 'self'";
