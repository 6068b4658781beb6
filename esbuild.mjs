// Builds dist/ from the TypeScript sources (run after `asc`, see package.json "build"):
//   dist/node/     the library, its two workers, smearscope/cluster (cluster.js), the CLI, the bench (and localization-quality.js) and the
//                  model builder, for Node
//   dist/browser/  the library for browsers (module workers in dist/workers/)
//   dist/workers/  preprocess.worker.js, inference.worker.js (browser module workers)
//   dist/ort/      ONNX Runtime Web's runtimes (.mjs + .wasm), loaded by the inference worker: the native WebGPU EP build
//                  (.asyncify) for webgpu, the plain build for wasm
//   dist/ui/       the kiosk page
//   dist/bench/    the browser benchmark (bench/index.html loads it)
// The kernels' .wasm is embedded in every bundle that uses it (binary loader).
// No source maps: they doubled the package (set SMEARSCOPE_SOURCEMAP=1 to debug a build).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
// `import ... from 'smearscope:shipped-models'`: the cards in models/ at build time.
import { shippedModelsPlugin } from './scripts/shipped-models.mjs';

const common = {
  bundle: true,
  format: 'esm',
  sourcemap: process.env.SMEARSCOPE_SOURCEMAP === '1',
  logLevel: 'warning',
  loader: { '.wasm': 'binary' },
  plugins: [shippedModelsPlugin],
};

const node = {
  ...common,
  platform: 'node',
  // Pinned: newer targets make the binary loader emit Uint8Array.fromBase64, which Node 20 lacks.
  target: 'node20',
  packages: 'external',
  // Bundled dependencies written as CommonJS need require() in an ES module.
  banner: {
    js: "import { createRequire as __smearscopeRequire } from 'node:module'; const require = __smearscopeRequire(import.meta.url);",
  },
};

const browser = {
  ...common,
  platform: 'browser',
  target: 'chrome113', // the first Chromium with WebGPU
  // ORT's runtime (.mjs glue + .wasm) is loaded from dist/ort at run time, not bundled.
  conditions: ['onnxruntime-web-use-extern-wasm'],
  external: ['node:*'],
};

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist/ort', { recursive: true });

await Promise.all([
  build({
    ...node,
    entryPoints: {
      index: 'src/index.ts',
      'preprocess.worker': 'workers/preprocess.worker.ts',
      'inference.worker': 'workers/inference.worker.ts',
      cli: 'src/cli/main.ts',
      cluster: 'src/cluster/index.ts',
      bench: 'bench/main.ts',
      'bench-review': 'bench/review-station.ts',
      soak: 'scripts/soak.ts',
      'localization-quality': 'bench/localization-quality-main.ts',
      'build-models': 'models/zoo/build-cli.ts',
    },
    outdir: 'dist/node',
  }),
  build({ ...browser, entryPoints: { index: 'src/index.ts' }, outdir: 'dist/browser' }),
  build({
    ...browser,
    entryPoints: { 'preprocess.worker': 'workers/preprocess.worker.ts', 'inference.worker': 'workers/inference.worker.ts' },
    outdir: 'dist/workers',
  }),
  // The review station: review.js (the <smearscope-review> element for vendors' pages) and the
  // kiosk page's kiosk.js; beside dist/workers and dist/ort, which they load. Split and minified:
  // ONNX Runtime (only the inference worker loads it) goes to a chunk the page never fetches.
  build({
    ...browser,
    entryPoints: { review: 'src/ui/index.ts', kiosk: 'src/ui/kiosk.ts' },
    outdir: 'dist/ui',
    splitting: true,
    minify: true,
  }),
  // The browser benchmark (bench/index.html); beside dist/workers and dist/ort, which it loads.
  build({ ...browser, entryPoints: { bench: 'bench/browser/entry.ts' }, outdir: 'dist/bench' }),
]);

// Each bundle's types are the public API's declarations (emitted by tsc into dist/types).
for (const bundle of ['node', 'browser']) {
  writeFileSync(`dist/${bundle}/index.d.ts`, "export * from '../types/src/index.js';\n");
}
writeFileSync('dist/node/cluster.d.ts', "export * from '../types/src/cluster/index.js';\n");

for (const file of ['index.html', 'kiosk.css']) cpSync(`src/ui/${file}`, `dist/ui/${file}`);

// One build per backend (src/platform/browser-assets.ts, OrtWebBuild): `onnxruntime-web/webgpu` loads the native
// WebGPU EP build (.asyncify, 27 MB), `onnxruntime-web/wasm` the plain one (14 MB). The default import's JSEP build
// (28 MB) served both; it is no longer copied.
for (const file of [
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
]) {
  cpSync(`node_modules/onnxruntime-web/dist/${file}`, `dist/ort/${file}`);
}
