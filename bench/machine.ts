import { availableParallelism, cpus, totalmem } from 'node:os';
import type { MachineInfo } from './report-types.js';

/** This machine as Node sees it: CPU model, usable cores, total memory. */
export function nodeMachine(): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() || 'unknown CPU',
    cores: availableParallelism(),
    memoryGiB: totalmem() / 2 ** 30,
  };
}
