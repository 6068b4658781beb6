// Usage: node examples/esbuild-app/build.mjs <outdir>
// Bundles the app as an IIFE (a classic script) and copies smearscope's assets beside it.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const outdir = process.argv[2] ?? 'build/examples/esbuild-app';
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
// In an app this is node_modules/smearscope; here, this repository.
const pkg = here('../../');

mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [here('main.js')],
  bundle: true,
  format: 'iife',
  outfile: join(outdir, 'app.js'),
  alias: { smearscope: join(pkg, 'dist/browser/index.js') },
  logLevel: 'error',
});
cpSync(here('index.html'), join(outdir, 'index.html'));
cpSync(join(pkg, 'dist/workers'), join(outdir, 'smearscope-assets/workers'), { recursive: true });
cpSync(join(pkg, 'dist/ort'), join(outdir, 'smearscope-assets/ort'), { recursive: true });
cpSync(join(pkg, 'models'), join(outdir, 'smearscope-assets/models'), {
  recursive: true,
  filter: (source) => !/[\\/](train|zoo)$/.test(source),
});
console.log(`built ${outdir}`);
