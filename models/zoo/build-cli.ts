/**
 * CLI: writes the zoo into a folder (default build/models) and prints one line per model.
 *   node dist/node/build-models.js [--out DIR] [--seed N] [--only id,id] [--scheme ID]
 */
import { parseArgs } from 'node:util';
import { buildZoo, DEFAULT_ZOO_SEED, ZOO_MODEL_IDS } from './build.js';
import { ZOO_SCHEME_IDS } from './zoo-contract.js';
import { SmearscopeError } from '../../src/errors.js';

const USAGE =
  `usage: build-models [--out DIR] [--seed N] [--only ${ZOO_MODEL_IDS.join(',')}] [--scheme ${ZOO_SCHEME_IDS.join('|')}]\n` +
  '  --scheme gives every classifier that class scheme (default: each its own: bone-marrow-21 for ResNeXt-50 and\n' +
  '  the small CNN, hematonet-18 for CoAtNet-0 and EfficientNetV2-S)';

async function main(): Promise<void> {
  const values = parseOptions();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const seed = Number(values.seed);
  const only = values.only
    ?.split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  const startMilliseconds = performance.now();
  const results = await buildZoo(values.out!, { seed, only, scheme: values.scheme });
  for (const result of results) {
    console.log(
      [
        result.id.padEnd(17),
        `${result.parameters.toLocaleString('en-US').padStart(11)} params`,
        `${(result.flopsPerCell / 1e9).toFixed(3).padStart(7)} GFLOPs/${result.cardPath ? 'cell' : 'run '}`,
        `${(result.bytes / 1e6).toFixed(1).padStart(6)} MB`,
        `${Math.round(result.buildMilliseconds).toString().padStart(5)} ms`,
        result.onnxPath,
      ].join('  '),
    );
  }
  console.log(`seed ${seed}, ${results.length} models in ${Math.round(performance.now() - startMilliseconds)} ms`);
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        out: { type: 'string', default: 'build/models' },
        seed: { type: 'string', default: String(DEFAULT_ZOO_SEED) },
        only: { type: 'string' },
        scheme: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new SmearscopeError('INVALID_ARGUMENT', (error as Error).message, { cause: error });
  }
}

main().catch((error: unknown) => {
  const code = error instanceof SmearscopeError ? error.code : 'ERROR';
  console.error(`build-models: ${code}: ${(error as Error).message ?? String(error)}\n${USAGE}`);
  process.exitCode = 1;
});
