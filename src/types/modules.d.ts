// esbuild's `binary` loader (and the vitest plugin in vitest.config.ts) turn a .wasm import into its bytes.
declare module '*.wasm' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}

// comlink ships the Node adapter's types beside its .mjs without an exports map entry.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  export { default } from 'comlink/dist/esm/node-adapter';
}

// The shipped model cards, listed at build time (scripts/shipped-models.mjs; esbuild.mjs and vitest.config.ts).
declare module 'smearscope:shipped-models' {
  const models: Array<{
    id: string;
    card: string;
    onnx: string;
    onnxFp16?: string;
    description: string;
    scheme: string;
    classes: string[];
    trained: boolean;
  }>;
  export default models;
  /** Static URLs of each shipped model's card and graph (relative to the bundle; see scripts/shipped-models.mjs). */
  export const locate: Record<string, () => { card: URL; onnx: URL; onnxFp16?: URL }>;
}
