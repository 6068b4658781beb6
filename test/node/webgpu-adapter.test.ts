import { describe, expect, it } from 'vitest';
import { softwareAdapterReason } from '../../src/inference/webgpu-adapter.js';

describe('softwareAdapterReason', () => {
  it('names SwiftShader, Mesa llvmpipe and fallback adapters', () => {
    expect(softwareAdapterReason({ info: { vendor: 'google', architecture: 'swiftshader' } })).toMatch(/software.*google swiftshader/);
    expect(softwareAdapterReason({ info: { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } })).toMatch(/llvmpipe/);
    expect(softwareAdapterReason({ isFallbackAdapter: true })).toMatch(/fallback/);
    expect(softwareAdapterReason({ info: { vendor: 'x', isFallbackAdapter: true } })).toMatch(/fallback.*\(x\)/);
  });

  it('accepts hardware adapters, also when the browser hides their names', () => {
    expect(softwareAdapterReason({ info: { vendor: 'nvidia', architecture: 'ampere' } })).toBeUndefined();
    expect(softwareAdapterReason({ info: { vendor: 'apple', architecture: 'metal-3' }, isFallbackAdapter: false })).toBeUndefined();
    expect(softwareAdapterReason({})).toBeUndefined();
  });
});
