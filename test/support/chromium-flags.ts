import { existsSync } from 'node:fs';

// Apart from chromium.ts so that the bench's Node-only runs need no puppeteer.

/** The system Chromium/Chrome: $CHROME_PATH, else the Debian package's binary. */
export function chromePath(): string {
  const path = process.env.CHROME_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`no Chromium at ${path}: apt-get install -y chromium, or set CHROME_PATH`);
  return path;
}

/**
 * Headless Chromium's flags (shared by the browser tests and the benchmark): quiet, no sandbox,
 * and WebGPU on SwiftShader (a software adapter: correct, slow), on the system's GPU, or off.
 */
export function chromiumArgs(webgpu: 'swiftshader' | 'system' | 'off'): string[] {
  const args = ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];
  if (webgpu === 'swiftshader') args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader');
  if (webgpu === 'system') args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--ignore-gpu-blocklist');
  return args;
}
