// esbuild's `binary` loader (and the vitest plugin in vitest.config.ts) turn a .wasm import into its bytes.
declare module '*.wasm' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}

// comlink ships the Node adapter's types beside its .mjs without an exports map entry.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  export { default } from 'comlink/dist/esm/node-adapter';
}
