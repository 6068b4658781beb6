// Node reads a model file whole and reports it once: a throwing onProgress must not fail the read
// (the browser's streamed reads: test/browser/load-progress.test.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createScope } from '../../dist/node/index.js';
import { platform } from '../../src/platform/node.js';
import { shippedModelCard } from '../support/test-model.js';

describe('readBytes with an onProgress that throws', () => {
  afterEach(() => vi.restoreAllMocks());

  it('returns the bytes; the throw is reported once per callback', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const onProgress = vi.fn(() => {
      throw new Error('a bug in the host UI');
    });
    for (let read = 0; read < 2; read++) expect((await platform.readBytes(shippedModelCard(), { onProgress })).length).toBeGreaterThan(0);
    expect(onProgress).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/onProgress threw while the model loaded \(a bug in the host UI\); loading went on/);
  });

  it('through createScope: the scope loads and its events record the throw', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const scope = await createScope({
      locateOnly: true,
      workers: 1,
      onProgress: () => {
        throw new Error('a bug in the host UI');
      },
    });
    try {
      expect(scope.events.filter((e) => /onProgress threw while the model loaded \(a bug in the host UI\)/.test(e))).toHaveLength(1);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      await scope.dispose();
    }
  });
});
