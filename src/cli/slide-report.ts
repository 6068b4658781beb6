import { SCREENING_DISCLAIMER } from '../clinical/slide.js';
import type { SlideReport } from '../cluster/index.js';
import { frameEntry, modelEntry, type AnalyzeReport } from './report.js';
import { SMEARSCOPE_VERSION } from './version.js';

/** A slide finished on the queue, as the report `smearscope analyze` writes for the same frames. */
export function slideAnalyzeReport(slide: SlideReport): AnalyzeReport {
  return {
    smearscope: { version: SMEARSCOPE_VERSION, disclaimer: SCREENING_DISCLAIMER },
    model: modelEntry(slide.model.card, slide.model.cardName),
    backend: { ...slide.backend, notes: [], events: [] },
    frames: slide.frames.map((frame) => frameEntry(frame)),
    differential: slide.differential,
  };
}
