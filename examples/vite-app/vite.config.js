import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the built app works from any folder.
  base: './',
  // In an app that installed smearscope this alias is not needed (see examples/README.md).
  resolve: { alias: { smearscope: fileURLToPath(new URL('../../dist/browser/index.js', import.meta.url)) } },
  // smearscope's module workers import ONNX Runtime's glue at run time: ES module workers.
  worker: { format: 'es' },
  // Pre-bundling would move smearscope away from its workers and assets (dev server).
  optimizeDeps: { exclude: ['smearscope'] },
});
