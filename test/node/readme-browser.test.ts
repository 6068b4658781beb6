// README "Embedding in a web app" and "Browser requirements" against the code and the browser tests:
// the model cache's name to clear, and the CSP example (the policy test/browser/runtime-setup.test.ts
// runs a scope under).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODEL_CACHE } from '../../src/platform/model-cache.js';
import { CSP_WITH_WASM } from '../support/csp.js';

const readme = readFileSync('README.md', 'utf8');
const section = (title: string) => readme.slice(readme.indexOf(`## ${title}\n`)).split(/\n## /)[0];

describe('README: embedding in a web app, browser requirements', () => {
  it('names the model cache, how to clear it, its id@version keys and what it does not keep', () => {
    const embedding = section('Embedding in a web app');
    expect(embedding).toContain(`\`${MODEL_CACHE}\``);
    expect(embedding).toContain(`\`await caches.delete('${MODEL_CACHE}')\``);
    expect(embedding).toMatch(/`id@version`: when you replace a graph, bump the card's `version`/);
    expect(embedding).toMatch(/the model cache holds the model only\. ONNX Runtime's files .* and the\s+workers/);
    expect(embedding).toMatch(/relative `assetsPath` .* is\s+resolved against the page/);
  });

  it("gives the CSP the tests run with: 'wasm-unsafe-eval', worker-src 'self'", () => {
    expect(section('Browser requirements').replace(/\s+/g, ' ')).toContain(`\`${CSP_WITH_WASM}\``);
  });
});
