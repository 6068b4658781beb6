import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildZoo } from '../models/zoo/build.js';
import { COATNET0_ID } from '../models/zoo/coatnet.js';
import { EFFICIENTNETV2_S_ID } from '../models/zoo/efficientnetv2.js';
import { MATMUL_DEFAULT_SIZES, matmulFlops, matmulId } from '../models/zoo/matmul.js';
import { RESNEXT50_ID } from '../models/zoo/resnext50.js';
import { SMALL_CNN_ID } from '../models/zoo/small-cnn.js';
import { BLOOD_MODEL_ID, shippedModels } from '../scripts/shipped-models.mjs';
import { SmearscopeError } from '../src/errors.js';
import { DEFAULT_MODEL_CARD } from '../src/inference/default-model.js';
import type { Frame } from '../src/frame.js';
import { listImages } from '../src/io/list-images.js';
import { readFrame } from '../src/io/read-frame.js';
import type { BenchHost } from './host.js';
import { describeFrames, type BenchInputs, type BenchModel } from './inputs.js';
import { BCCD_MICRONS_PER_PIXEL } from './localization-quality.js';
import { generateMosaic } from './mosaic.js';
import { BCCD_FRAMES } from './plans.js';
import type { BenchSettings } from './settings.js';

/** Where `npm run models` (and this harness, when they are missing) writes the reference zoo. */
export const ZOO_DIR = 'build/models';
const BCCD_DIR = '../shared/data/bccd/JPEGImages';

/**
 * Everything the suites read, from the package root: every model (the trained cards of models/,
 * the default first, and the reference zoo: small CNN, ResNeXt-50, CoAtNet-0,
 * EfficientNetV2-S, those of --model built into build/models when missing;
 * the suites pick those of --model), the MatMul probe, mosaic frames (seeds 1..N) and the first
 * BCCD frames. Throws INVALID_ARGUMENT for a --model that does not exist.
 */
export async function prepareNodeInputs(host: BenchHost, settings: BenchSettings): Promise<BenchInputs> {
  const probe = { id: matmulId(MATMUL_DEFAULT_SIZES), sizes: MATMUL_DEFAULT_SIZES };
  // Only what this run measures: building the three large graphs costs ~30 s on 2 cores.
  const wanted = (id: string) => settings.models === undefined || settings.models.includes(id) || id === probe.id;
  const missing = [SMALL_CNN_ID, RESNEXT50_ID, COATNET0_ID, EFFICIENTNETV2_S_ID, probe.id].filter(
    (id) => wanted(id) && !existsSync(join(ZOO_DIR, `${id}.onnx`)),
  );
  if (missing.length > 0) {
    host.log(`building ${missing.join(', ')} into ${ZOO_DIR}`);
    await buildZoo(ZOO_DIR, { only: missing });
  }
  // Default first; by default only the SDK's default model and npm start's peripheral-blood model.
  const shipped = shippedModels('.').filter((model) => model.trained);
  const available: BenchModel[] = [
    ...shipped.map(
      (model): BenchModel => ({
        id: model.id,
        card: join('models', model.card),
        role: 'shipped',
        scheme: model.scheme,
        byDefault: model.card === DEFAULT_MODEL_CARD || model.id === BLOOD_MODEL_ID,
      }),
    ),
    { id: SMALL_CNN_ID, card: join(ZOO_DIR, `${SMALL_CNN_ID}.json`), role: 'small' },
    { id: RESNEXT50_ID, card: join(ZOO_DIR, `${RESNEXT50_ID}.json`), role: 'large' },
    // HematoNet's architectures: in the models suite beside ResNeXt-50, not in the pipeline suite
    // (two more large-model plans would push `all` past its time limit on 2 cores).
    { id: COATNET0_ID, card: join(ZOO_DIR, `${COATNET0_ID}.json`), role: 'large', pipeline: false },
    { id: EFFICIENTNETV2_S_ID, card: join(ZOO_DIR, `${EFFICIENTNETV2_S_ID}.json`), role: 'large', pipeline: false },
  ];
  if (shipped.length === 0) host.log('no trained model in models/: measuring the reference architectures only');
  const unknown = (settings.models ?? []).filter((id) => !available.some((model) => model.id === id));
  if (unknown.length > 0) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `unknown model ${unknown.join(', ')}; available: ${available.map((m) => m.id).join(', ')}`,
    );
  }

  const startedAt = performance.now();
  const mosaic: Frame[] = [];
  for (let seed = 1; seed <= Math.max(1, settings.frames); seed++) mosaic.push((await generateMosaic({ seed })).frame);
  const bccdPaths = (await listImages([BCCD_DIR])).slice(0, BCCD_FRAMES);
  // BCCD frames carry no scale and 640 x 480 ones often hold too few erythrocytes to estimate it:
  // the set's measured scale, as npm start passes it.
  const bccd = await Promise.all(bccdPaths.map(async (path) => ({ ...(await readFrame(path)), micronsPerPixel: BCCD_MICRONS_PER_PIXEL })));
  host.log(
    `inputs: ${mosaic.length} mosaic frames, ${bccd.length} BCCD frames in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
  );
  return {
    models: available,
    matmul: { ...probe, onnx: join(ZOO_DIR, `${probe.id}.onnx`), flopsPerRun: matmulFlops(probe.sizes) },
    mosaic: { name: 'mosaic', description: describeFrames('mosaic', mosaic), frames: mosaic },
    bccd: { name: 'bccd', description: describeFrames('bccd', bccd), frames: bccd },
  };
}
