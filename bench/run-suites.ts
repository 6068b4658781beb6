import type { BackendName } from '../src/inference/backend.js';
import type { BenchHost } from './host.js';
import { type BenchInputs, selectModels } from './inputs.js';
import { pipelinePlans } from './plans.js';
import type { BenchSettings } from './settings.js';
import { runKernelsSuite } from './suites/kernels.js';
import { runModelsSuite } from './suites/models.js';
import { runPipelineSuite } from './suites/pipeline.js';
import { mergeOutputs, type SuiteOutput } from './suites/suite-output.js';

/**
 * Runs the selected suites in one environment (Node or a Chromium page) on `backends`, in the
 * order given (wasm first: in a page, ONNX Runtime's WASM thread count is fixed by the first session).
 */
export async function runSuites(
  host: BenchHost,
  settings: BenchSettings,
  inputs: BenchInputs,
  backends: BackendName[],
  adapter?: string,
): Promise<SuiteOutput> {
  const outputs: SuiteOutput[] = [];
  inputs = { ...inputs, models: selectModels(inputs.models, settings.models) };
  const chosen = settings.backends ? backends.filter((backend) => settings.backends!.includes(backend)) : backends;
  if (settings.suites.includes('kernels')) {
    outputs.push(await runKernelsSuite(host, settings, inputs.mosaic.frames[0], inputs.models));
  }
  if (settings.suites.includes('pipeline')) {
    const plans = pipelinePlans(inputs, settings);
    const selected = settings.pipelinePlan === undefined ? plans : plans.slice(settings.pipelinePlan, settings.pipelinePlan + 1);
    outputs.push(await runPipelineSuite(host, settings, { plans: selected, backends: chosen, ...(adapter ? { adapter } : {}) }));
  }
  if (settings.suites.includes('models')) {
    outputs.push(
      await runModelsSuite(host, settings, {
        models: inputs.models,
        matmul: inputs.matmul,
        patchFrames: inputs.mosaic.frames.slice(0, 1),
        backends: chosen,
        ...(adapter ? { adapter } : {}),
      }),
    );
  }
  return mergeOutputs(outputs);
}
