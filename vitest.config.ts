import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vitest/config';
import { SHIPPED_MODELS_MODULE, shippedModelsSource } from './scripts/shipped-models.mjs';

// Mirrors esbuild's `binary` loader: `import bytes from '*.wasm'` gives a Uint8Array.
function wasmBytes(): Plugin {
  return {
    name: 'smearscope-wasm-bytes',
    enforce: 'pre',
    load(id) {
      if (!id.endsWith('.wasm')) return null;
      const base64 = readFileSync(id).toString('base64');
      return `export default Uint8Array.from(Buffer.from(${JSON.stringify(base64)}, 'base64'));`;
    },
  };
}

// `import ... from 'smearscope:shipped-models'`: the cards in models/ (as esbuild.mjs builds them).
function shippedModels(): Plugin {
  const id = '\0' + SHIPPED_MODELS_MODULE;
  return {
    name: 'smearscope-shipped-models',
    resolveId: (source) => (source === SHIPPED_MODELS_MODULE ? id : null),
    load: (loaded) => (loaded === id ? shippedModelsSource() : null),
  };
}

// Two projects: `node` runs everything under test/ except test/browser; `browser` drives headless
// Chromium through puppeteer-core (the tests themselves run in Node and control the page).
export default defineConfig({
  plugins: [wasmBytes(), shippedModels()],
  test: {
    // The memory test calls gc() before each reading.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    projects: [
      {
        plugins: [wasmBytes(), shippedModels()],
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // One Chromium at a time: the browser tests are CPU-heavy (SwiftShader).
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
