// The inputs of the browser suite as files the page fetches: the Node driver writes frames as raw
// pixels plus one manifest (build/bench/inputs.json); the page (driven or kiosk) reads them back.
import type { Frame } from '../../src/frame.js';
import type { BenchInputs, BenchModel, FrameSet, MatmulProbe } from '../inputs.js';

/** Where the manifest lives, relative to the package root (and so to the served site's root). */
export const PAGE_INPUTS_PATH = 'build/bench/inputs.json';

/** One frame as a file of raw pixels (width x height x channels bytes, row-major). */
export interface FrameFile {
  url: string;
  width: number;
  height: number;
  channels: 3 | 4;
  micronsPerPixel?: number;
  label?: string;
}

/** BenchInputs with every location a URL path of the served site and frames as files. */
export interface PageInputs {
  models: BenchModel[];
  matmul: MatmulProbe;
  mosaic: { description: string; frames: FrameFile[] };
  bccd: { description: string; frames: FrameFile[] };
}

/** Fetches the manifest at `manifestUrl` and every frame it lists, resolving paths against the manifest's site. */
export async function loadPageInputs(manifestUrl: string | URL): Promise<BenchInputs> {
  const response = await fetch(manifestUrl);
  if (!response.ok) {
    throw new Error(
      `no benchmark inputs at ${manifestUrl} (HTTP ${response.status}): run "npm run bench -- prepare" in the package ` +
        'once; it writes the frames and this manifest under build/bench/',
    );
  }
  const manifest = (await response.json()) as PageInputs;
  const site = new URL('/', new URL(String(manifestUrl), globalThis.location?.href));
  const resolve = (path: string) => new URL(path.replace(/^\//, ''), site).href;
  const frameSet = async (name: FrameSet['name'], set: PageInputs['mosaic']): Promise<FrameSet> => ({
    name,
    description: set.description,
    frames: await Promise.all(set.frames.map((file) => fetchFrame(resolve(file.url), file))),
  });
  return {
    models: manifest.models.map((model) => ({ ...model, card: resolve(model.card) })),
    matmul: { ...manifest.matmul, onnx: resolve(manifest.matmul.onnx) },
    mosaic: await frameSet('mosaic', manifest.mosaic),
    bccd: await frameSet('bccd', manifest.bccd),
  };
}

async function fetchFrame(url: string, file: FrameFile): Promise<Frame> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch frame ${url}: HTTP ${response.status}`);
  const pixels = new Uint8Array(await response.arrayBuffer());
  if (pixels.length !== file.width * file.height * file.channels) {
    throw new Error(`frame ${url} has ${pixels.length} bytes, expected ${file.width} x ${file.height} x ${file.channels}`);
  }
  return {
    width: file.width,
    height: file.height,
    channels: file.channels,
    pixels,
    ...(file.micronsPerPixel !== undefined ? { micronsPerPixel: file.micronsPerPixel } : {}),
    ...(file.label !== undefined ? { label: file.label } : {}),
  };
}
