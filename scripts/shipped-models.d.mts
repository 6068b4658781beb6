export const SHIPPED_MODELS_MODULE: string;
export const BLOOD_MODEL_ID: string;
export function shippedModels(
  root?: string,
): Array<{ id: string; card: string; onnx: string; description: string; scheme: string; classes: string[]; trained: boolean }>;
export function shippedModelsSource(root?: string): string;
export const shippedModelsPlugin: import('esbuild').Plugin;
