/**
 * Whether this thread's WebGPU adapter has 'shader-f16' (float16 shaders; ONNX Runtime Web asks its
 * device for it whenever the adapter has it), or undefined without WebGPU here (Node, old browsers).
 */
export async function adapterShaderF16(): Promise<boolean | undefined> {
  const adapter = await adapterHere();
  return adapter ? adapter.features.has('shader-f16') : undefined;
}

/** This thread's WebGPU adapter, or null / undefined without one (Node, old browsers, no GPU). */
function adapterHere(): Promise<GPUAdapter | null> | undefined {
  return (globalThis.navigator as Navigator | undefined)?.gpu?.requestAdapter();
}

/** Why `auto` passes over this thread's adapter (it renders in software), or undefined: a hardware
 * GPU, or no adapter at all (loadOrt then says so). */
export async function autoAdapterSkipReason(): Promise<string | undefined> {
  const adapter = await adapterHere();
  return adapter ? softwareAdapterReason(adapter as AdapterLike) : undefined;
}

/**
 * Whether `auto` would pick WebGPU on this thread's adapter: there is one and it is a hardware GPU
 * (auto passes over software adapters, softwareAdapterReason). False without WebGPU (Node).
 */
export async function hardwareAdapterPresent(): Promise<boolean> {
  const adapter = await adapterHere();
  return !!adapter && softwareAdapterReason(adapter as AdapterLike) === undefined;
}

/** What smearscope reads of a WebGPU adapter (GPUAdapter and its `info`, both optional in older browsers). */
export interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}

// Adapters that render on the CPU: SwiftShader (Chromium), llvmpipe / lavapipe / softpipe (Mesa),
// Microsoft Basic Render Driver (WARP). On them WebGPU is correct but several times slower than wasm.
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|basic render/i;

/**
 * Why `adapter` renders in software, or undefined for a hardware GPU. `auto` skips such adapters
 * in favour of wasm (explicit `backend: 'webgpu'` still uses them).
 */
export function softwareAdapterReason(adapter: AdapterLike): string | undefined {
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const named = name ? ` (${name})` : '';
  if (adapter.isFallbackAdapter || info.isFallbackAdapter) return `the WebGPU adapter is a fallback (software) adapter${named}`;
  if (SOFTWARE_NAMES.test(name)) return `the WebGPU adapter renders in software${named}`;
  return undefined;
}
