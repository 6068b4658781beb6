// The model cards shipped in models/ (every *.json there that names an ONNX file), read at build time:
// esbuild.mjs and vitest.config.ts serve them as the virtual module `smearscope:shipped-models`, so
// `import { models } from 'smearscope'` lists whatever cards models/ holds when the package is built.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const SHIPPED_MODELS_MODULE = 'smearscope:shipped-models';

/** The peripheral-blood model `npm start` analyzes the BCCD frames with, and the bench's BCCD plan. */
export const BLOOD_MODEL_ID = 'pb8-resnet10gc';

/** [{ id, card, description, scheme, classes, trained }] of models/*.json, default model first. */
export function shippedModels(root = '.') {
  const folder = join(root, 'models');
  const cards = [];
  for (const file of readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const card = JSON.parse(readFileSync(join(folder, file), 'utf8'));
    if (typeof card.id !== 'string' || typeof card.model !== 'string') continue;
    cards.push({
      id: card.id,
      card: file,
      onnx: card.model,
      ...(typeof card.fp16?.model === 'string' ? { onnxFp16: card.fp16.model } : {}),
      description: card.description ?? '',
      scheme: card.scheme,
      classes: card.classes,
      trained: card.provenance?.trained === true,
    });
  }
  const defaultCard = readFileSync(join(root, 'src/inference/default-model.ts'), 'utf8').match(/'([^']+\.json)'/)?.[1];
  return cards.sort((a, b) => Number(b.card === defaultCard) - Number(a.card === defaultCard));
}

/**
 * The module's source text: the list, and per id a function giving the card's and graph's URLs as
 * static `new URL('../../models/<file>', import.meta.url)` expressions. Bundles sit two folders
 * below the package root (dist/node, dist/browser), and bundlers (Vite, webpack) copy files named
 * this way. Functions, so a bundle format without import.meta.url (IIFE) only fails if they run.
 */
export function shippedModelsSource(root = '.') {
  const models = shippedModels(root);
  const url = (file) => `new URL(${JSON.stringify(`../../models/${file}`)}, import.meta.url)`;
  const fp16 = (m) => (m.onnxFp16 ? `, onnxFp16: ${url(m.onnxFp16)}` : '');
  const locate = models.map((m) => `  ${JSON.stringify(m.id)}: () => ({ card: ${url(m.card)}, onnx: ${url(m.onnx)}${fp16(m)} }),`);
  return `export default ${JSON.stringify(models)};\nexport const locate = {\n${locate.join('\n')}\n};\n`;
}

/** The esbuild plugin that serves `import ... from 'smearscope:shipped-models'` (shippedModelsSource):
 * every bundle of src/platform needs it, the package's (esbuild.mjs) and the tests' own. */
export const shippedModelsPlugin = {
  name: 'smearscope-shipped-models',
  setup(plugin) {
    plugin.onResolve({ filter: /^smearscope:shipped-models$/ }, () => ({ path: SHIPPED_MODELS_MODULE, namespace: 'smearscope' }));
    plugin.onLoad({ filter: /.*/, namespace: 'smearscope' }, () => ({ contents: shippedModelsSource(), loader: 'js' }));
  },
};
