/// <reference types="@webgpu/types" />

/** The WebGPU adapter as its vendor, architecture, device and description joined, or undefined when the browser has none. */
export async function describeAdapter(): Promise<string | undefined> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return undefined;
  const info = adapter.info;
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((part) => part && part.length > 0);
  return parts.length > 0 ? [...new Set(parts)].join(' ') : 'unnamed adapter';
}

/** True for a WebGPU adapter that is a software rasterizer (SwiftShader): correct but slow. */
export function isSoftwareAdapter(adapter: string | undefined): boolean {
  return !!adapter && /swiftshader|software|llvmpipe|lvp_icd|lavapipe/i.test(adapter);
}
