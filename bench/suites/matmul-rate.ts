/// <reference types="@webgpu/types" />
import type * as ortTypes from 'onnxruntime-common';
import { platform as basePlatform } from '#platform';
import { ortLoader } from '#platform-ort';
import type { BackendName } from '../../src/inference/backend.js';
import { isNativeRuntime } from '../../src/inference/ort-session.js';
import { createWebGpuIo } from '../../src/inference/webgpu-io.js';
import { MATMUL_INPUT_NAME, MATMUL_OUTPUT_NAME } from '../../models/zoo/matmul.js';
import type { BenchHost } from '../host.js';
import type { MatmulProbe } from '../inputs.js';
import type { MatmulRate } from '../report-types.js';
import { timeRepeated, type RepeatPlan } from '../repeat.js';
import { rateSpread, spreadOf } from '../stats.js';

const platform = { ...basePlatform, ...ortLoader };

/**
 * The device's matrix rate through one backend, measured in this run: one large MatMul graph
 * (models/zoo/matmul.ts) through ONNX Runtime with the same backend and thread count the
 * classifier sessions use; FLOP/s = 2 x rows x inner x columns per run over its wall time.
 * webgpu keeps input and output on the GPU and waits for the queue, so it times the kernel,
 * not transfers.
 */
export async function measureMatmulRate(host: BenchHost, probe: MatmulProbe, backend: BackendName, plan: RepeatPlan): Promise<MatmulRate> {
  const ort = await platform.loadOrt(backend);
  const threads = platform.inferenceThreads(backend);
  if (backend === 'wasm') ort.env.wasm.numThreads = threads;
  const bytes = await platform.readBytes(probe.onnx);
  // onnxruntime-node's WebGPU EP has no JS device to bind to: host tensors, so its probe includes
  // the upload and read-back of one 4 MB matrix (a lower bound on the device's rate).
  const bound = backend === 'webgpu' && !isNativeRuntime(ort);
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    ...(backend === 'webgpu' && !bound
      ? { executionProviders: ['webgpu'] }
      : backend === 'webgpu'
        ? { executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer' as const }
        : backend === 'native'
          ? { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1 }
          : { executionProviders: ['wasm'] }),
  });
  const dims = [probe.sizes.rows, probe.sizes.inner];
  // Values in [-1, 1]: zeros could take shortcuts some kernels have for them.
  const input = Float32Array.from({ length: dims[0] * dims[1] }, (_, i) => Math.sin(i * 0.618));
  let runOnce: () => Promise<void>;
  let release = async () => session.release();
  if (bound) {
    const io = await createWebGpuIo(ort, session, MATMUL_INPUT_NAME, dims, [MATMUL_OUTPUT_NAME], false);
    const device = await (ort.env.webgpu.device as Promise<GPUDevice>);
    runOnce = async () => {
      const outputs = await io.run(input);
      await device.queue.onSubmittedWorkDone();
      outputs[MATMUL_OUTPUT_NAME]?.dispose();
    };
    release = async () => {
      io.dispose();
      await session.release();
    };
  } else {
    const feeds: Record<string, ortTypes.Tensor> = { [MATMUL_INPUT_NAME]: new ort.Tensor('float32', input, dims) };
    runOnce = async () => {
      await session.run(feeds);
    };
  }
  try {
    const durationsMs = await timeRepeated(plan, runOnce);
    const rate = rateSpread(spreadOf(durationsMs), probe.flopsPerRun * 1000);
    host.log(
      `${host.env} ${backend}: ${probe.id} ${(rate.median / 1e9).toFixed(1)} GFLOP/s (${threads} thread${threads === 1 ? '' : 's'})`,
    );
    return { env: host.env, backend, graph: probe.id, flopsPerRun: probe.flopsPerRun, flopsPerSecond: rate };
  } finally {
    await release();
  }
}
