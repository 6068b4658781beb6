import type { BenchReport, MachineInfo } from './report-types.js';
import { mergeOutputs, type SuiteOutput } from './suites/suite-output.js';

export interface ReportParts {
  machine: MachineInfo;
  /** ISO 8601 start time. */
  date: string;
  host: string;
  command: string;
  node?: string;
  browser?: string;
  outputs: SuiteOutput[];
  durationSeconds: number;
}

/** The report object of the JSON contract from the suites' outputs (all environments of one run). */
export function assembleReport(parts: ReportParts): BenchReport {
  const merged = mergeOutputs(parts.outputs);
  return {
    machine: parts.machine,
    date: parts.date,
    results: merged.results,
    host: parts.host,
    command: parts.command,
    ...(parts.node ? { node: parts.node } : {}),
    ...(parts.browser ? { browser: parts.browser } : {}),
    matmul: merged.matmul,
    durationSeconds: parts.durationSeconds,
    skipped: merged.skipped,
  };
}
