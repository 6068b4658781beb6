import { availableParallelism } from 'node:os';
import type { BenchHost } from './host.js';
import { runPreprocessPeer } from './preprocess-peer.js';
import { openRawFrameFiles } from './raw-frame-files.js';

/** Node: RSS covers the main thread and every worker thread (one process). Cheap, so sampled often. */
export const nodeHost: BenchHost = {
  env: 'node',
  memoryBytes: async () => process.memoryUsage.rss(),
  memorySampleIntervalMs: 50,
  log: (line) => process.stderr.write(`bench: ${line}\n`),
  cpuMs: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
  cores: availableParallelism(),
  preprocessPeer: runPreprocessPeer,
  rawFrameFiles: openRawFrameFiles,
};
