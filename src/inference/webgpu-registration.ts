/// <reference types="@webgpu/types" />

/**
 * onnxruntime-web 1.30's native WebGPU EP build (`onnxruntime-web/webgpu`) registers each external
 * GPU buffer of a run with its wasm side and unregisters it when the run ends: a count under a
 * private symbol on the GPUBuffer, the handle released at zero. A captured graph keeps the handles
 * of the capturing run, so the first replay finds them released and fails ("Failed to execute
 * 'createBindGroup' on 'GPUDevice': ... Required member is undefined"). The JSEP build keeps no
 * such count and needs nothing.
 *
 * While `running` (the capturing run) is in flight the registrations exist: this adds one count to
 * each, so the handles outlive every run and replays bind the same buffers. The handles then stay
 * in ONNX Runtime's table until the page or worker ends (one per buffer, a few per session).
 * Returns false when no registration showed (JSEP, or a glue that no longer works this way): the
 * caller's replay check then decides, and capture is dropped with a note if replays fail.
 */
export async function keepRegistered(buffers: readonly GPUBuffer[], running: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void running.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    const counts = buffers.map(registration);
    if (counts.every((count) => count !== undefined)) {
      for (const count of counts) count![1]++;
      return true;
    }
    // The registrations appear once ORT has prepared the run's tensors (a few tasks in).
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return false;
}

/** ORT's [handle, count] for a registered buffer, found by the symbol's description. */
function registration(buffer: GPUBuffer): [number, number] | undefined {
  const symbol = Object.getOwnPropertySymbols(buffer).find((s) => s.description === 'gpuBufferMetadata');
  const value = symbol ? (buffer as unknown as Record<symbol, unknown>)[symbol] : undefined;
  return Array.isArray(value) && value.length === 2 && typeof value[1] === 'number' ? (value as [number, number]) : undefined;
}
