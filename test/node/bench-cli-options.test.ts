// The bench's layout options: --sessions repeats the shipped model's mosaic plan per inference
// layout, --isolation off serves the Chromium pages without COOP/COEP. Bad values are refused by name.
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/cli-options.js';

describe('bench options for inference layouts', () => {
  it('--sessions and --isolation reach the settings; their defaults leave them out', () => {
    const given = parseBenchArgs(['pipeline', '--env', 'chromium', '--sessions', '1, 2', '--isolation', 'off']).settings;
    expect(given.sessions).toEqual([1, 2]);
    expect(given.notIsolated).toBe(true);
    const plain = parseBenchArgs(['pipeline']).settings;
    expect(plain.sessions).toBeUndefined();
    expect(plain.notIsolated).toBeUndefined();
    expect(parseBenchArgs(['pipeline', '--isolation', 'on']).settings.notIsolated).toBeUndefined();
  });

  it('refuses a session count that is not a positive integer, and an isolation that is not on or off', () => {
    expect(() => parseBenchArgs(['pipeline', '--sessions', '0'])).toThrow(/--sessions must be a positive integer, got "0"/);
    expect(() => parseBenchArgs(['pipeline', '--sessions', '1,1.5'])).toThrow(/--sessions must be a positive integer/);
    expect(() => parseBenchArgs(['pipeline', '--isolation', 'maybe'])).toThrow(/isolation/);
  });

  it('--pixels reaches the settings (default: left out, rgba8 only) and refuses another format', () => {
    expect(parseBenchArgs(['pipeline', '--pixels', 'rgba8,rgb8']).settings.pixels).toEqual(['rgba8', 'rgb8']);
    expect(parseBenchArgs(['pipeline']).settings.pixels).toBeUndefined();
    expect(() => parseBenchArgs(['pipeline', '--pixels', 'bgr8'])).toThrow(/pixels/);
  });
});
