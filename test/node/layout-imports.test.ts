// The direction of dependency of ARCHITECTURE.md "Layout": every import in src/ and workers/
// (type-only ones too) must go from a folder to one it may depend on. Reads the sources as text.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(dirname(new URL(import.meta.url).pathname), '../..');

/** The group of a repository path: its folder under src/ (or workers/), 'base' for the shared
 * files at the top of src/ (errors, frame, ...), 'api' for the public entry points. */
function groupOf(path: string): string {
  if (path.startsWith('workers/')) return 'workers';
  if (!path.startsWith('src/')) return /^(build\/.*\.wasm|models\/.*\.json|package\.json)$/.test(path) ? 'asset' : 'outside';
  if (['src/index.ts', 'src/scope.ts', 'src/testing.ts'].includes(path)) return 'api';
  if (path === 'src/api-types.ts') return 'api-types';
  const parts = path.split('/');
  return parts.length > 2 && parts[1] !== 'types' ? parts[1] : 'base';
}

// What each group may import besides itself. `base` (errors.ts, frame.ts, seeded-random.ts,
// testing-hooks.ts, types/) and assets (build/kernels.wasm, models/schemes/*.json, package.json)
// are open to every group; api-types.ts (the public types) sits between the stages and the
// pipeline, which returns those types; clinical
// depends on nothing else of ours. The stage folders are ordered as the data flows: a stain fit
// feeds localization, and the scale estimate measures erythrocytes with localization's mask.
const STAGES = ['kernels', 'stain', 'localize', 'scale', 'patch'];
const LIBRARY = [...STAGES, 'inference', 'clinical', 'explain', 'io', 'api-types', 'pipeline', 'platform', 'api'];
const MAY_IMPORT: Record<string, readonly string[]> = {
  base: [],
  kernels: [],
  clinical: [],
  explain: [],
  io: [],
  stain: ['kernels'],
  localize: ['stain', 'kernels'],
  scale: ['localize', 'stain', 'kernels'],
  patch: ['stain', 'kernels'],
  inference: ['stain', 'clinical'],
  'api-types': [...STAGES, 'inference', 'clinical', 'explain'],
  pipeline: [...STAGES, 'inference', 'clinical', 'explain', 'io', 'api-types'],
  // The environment: spawns the pipeline's workers, loads ORT for inference, decodes with io.
  platform: ['pipeline', 'inference', 'io'],
  api: LIBRARY,
  // The CLI's worker / submit / status commands wrap smearscope/cluster.
  cli: [...LIBRARY, 'cluster'],
  ui: LIBRARY,
  cluster: LIBRARY,
  workers: LIBRARY,
};

interface Import {
  from: string;
  to: string;
  specifier: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every static, re-export, side-effect and dynamic import of a file, resolved to a repository path. */
export function importsOf(path: string, text: string): Import[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((match) => match[1]);
  return specifiers.flatMap((specifier) => {
    if (specifier === '#platform') return [{ from: path, to: 'src/platform/index', specifier }];
    if (!specifier.startsWith('.')) return []; // packages
    const to = normalize(join(dirname(path), specifier)).replace(/\.js$/, '.ts');
    return [{ from: path, to: relative('.', to), specifier }];
  });
}

/** The imports that run against the direction, as "from -> specifier (group -> group)". */
export function violations(imports: readonly Import[]): string[] {
  return imports.flatMap(({ from, to, specifier }) => {
    const source = groupOf(from);
    const target = groupOf(to);
    const allowed = source === target || target === 'base' || target === 'asset' || (MAY_IMPORT[source] ?? []).includes(target);
    return allowed ? [] : [`${from} -> ${specifier} (${source} -> ${target})`];
  });
}

const all = ['src', 'workers'].flatMap(sourceFiles).flatMap((path) => importsOf(path, readFileSync(join(root, path), 'utf8')));

describe('layout: import direction (ARCHITECTURE.md "Layout")', () => {
  it('reads the imports of every source file', () => {
    // A reader that found nothing would pass anything.
    expect(all.length).toBeGreaterThan(200);
    expect(all).toContainEqual(expect.objectContaining({ from: 'src/pipeline/preprocess-frame.ts', to: 'src/localize/localize-cells.ts' }));
    expect(all.some((i) => i.from.startsWith('workers/') && i.specifier === '#platform')).toBe(true);
    expect(Object.keys(MAY_IMPORT)).toEqual(expect.arrayContaining([...new Set(all.map((i) => groupOf(i.from)))]));
  });

  it('no import runs upward', () => {
    expect(violations(all)).toEqual([]);
  });

  it('flags an upward import, a type-only one, and an import of the workers from src', () => {
    const upward = importsOf('src/kernels/load.ts', "import type { StainReference } from '../stain/reference.js';");
    const typeOnly = importsOf('src/clinical/schemes.ts', "import type { ModelCard } from '../inference/model-card-types.js';");
    const intoWorkers = importsOf('src/pipeline/pool.ts', "import type { Api } from '../../workers/preprocess.worker.js';");
    const sibling = importsOf('src/stain/fit.ts', "export { x } from '../localize/cells.js';");
    const test = importsOf('src/stain/fit.ts', "import '../../test/support/random.js';");
    expect(violations([...upward, ...typeOnly, ...intoWorkers, ...sibling, ...test])).toHaveLength(5);
    expect(violations(importsOf('src/pipeline/a.ts', "import { b } from '../localize/cells.js';"))).toEqual([]);
  });
});
