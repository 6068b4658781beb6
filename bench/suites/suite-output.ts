import type { BenchResult, MatmulRate } from '../report-types.js';

/** What a suite hands back: its results, any MatMul probes, and what it could not run and why. */
export interface SuiteOutput {
  results: BenchResult[];
  matmul: MatmulRate[];
  skipped: string[];
}

export function emptyOutput(): SuiteOutput {
  return { results: [], matmul: [], skipped: [] };
}

export function mergeOutputs(outputs: readonly SuiteOutput[]): SuiteOutput {
  return {
    results: outputs.flatMap((output) => output.results),
    matmul: outputs.flatMap((output) => output.matmul),
    skipped: outputs.flatMap((output) => output.skipped),
  };
}

/** `runtime` of the rows that run no model (kernels, preprocessing only). */
export const KERNELS_RUNTIME = 'smearscope WASM kernels (AssemblyScript), no ONNX Runtime';

/** A one-line reason from anything thrown. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
