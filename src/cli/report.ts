import type { DifferentialReport, FrameResult, FrameTimingsMs, ModelCard, ScaleSource } from '../api-types.js';

/** The report of `smearscope analyze` (JSON). Field names are a contract other tools read. */
export interface AnalyzeReport {
  smearscope: { version: string; disclaimer: string };
  model: {
    id: string;
    version: string;
    card: string;
    scheme: string;
    classes: string[];
    patchMicrons: number;
    provenance: ModelCard['provenance'];
  };
  backend: {
    name: string;
    reason: string;
    notes: readonly string[];
    events: readonly string[];
    batchSize: number;
    workers: number;
    /** Absent in a queue slide's report (its workers may differ). */
    inferenceSessions?: number;
  };
  frames: Array<{
    file: string;
    width: number;
    height: number;
    /** Absent when unknown (the frame failed before its scale was known). */
    micronsPerPixel?: number;
    scaleSource?: ScaleSource;
    /** scaleSource is not 'given' (kept for readers of earlier reports). */
    scaleEstimated: boolean;
    /** With scaleSource 'frame': the 95 % interval of the frame's estimate, um/px. */
    scaleInterval?: [number, number];
    /** The given scale disagrees with the erythrocytes by more than 25 %. */
    scaleWarning?: string;
    cells: Array<Record<string, unknown>>;
    skippedAtBorder: number;
    stainNormalized: boolean;
    stainNote?: string;
    timingsMs: FrameResult['timingsMs'];
    error?: FrameResult['error'];
  }>;
  differential: DifferentialReport | null;
  /** Present when the run stopped early (SIGINT/SIGTERM or a fatal error): `frames` holds the
   * frames done by then, in input order. */
  interrupted?: boolean;
  /** The fatal error that stopped the run, if one did. */
  error?: { code: string; message: string };
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** The report's model entry; `cardName` is the card as the user named it ('default' for the shipped one). */
export function modelEntry(card: ModelCard, cardName: string): AnalyzeReport['model'] {
  return {
    id: card.id,
    version: card.version,
    card: cardName,
    scheme: card.scheme,
    classes: card.classes,
    patchMicrons: card.input.patchMicrons,
    provenance: card.provenance,
  };
}

/** One frame's entry of the report: positions in pixels, probabilities rounded to 1e-6. */
export function frameEntry(result: FrameResult): AnalyzeReport['frames'][number] {
  return {
    file: result.label ?? `frame-${result.index}`,
    width: result.width,
    height: result.height,
    ...(result.micronsPerPixel !== undefined ? { micronsPerPixel: round(result.micronsPerPixel, 5) } : {}),
    ...(result.scaleSource ? { scaleSource: result.scaleSource } : {}),
    scaleEstimated: result.scaleSource !== undefined && result.scaleSource !== 'given',
    ...(result.scaleInterval ? { scaleInterval: result.scaleInterval.map((v) => round(v, 5)) as [number, number] } : {}),
    ...(result.scaleWarning ? { scaleWarning: result.scaleWarning } : {}),
    cells: result.cells.map((cell) => {
      const position = {
        x: round(cell.x, 1),
        y: round(cell.y, 1),
        box: cell.box.map((v) => Math.round(v)),
        ratio: round(cell.ratio, 4),
        crossesBorder: cell.crossesBorder,
      };
      const decision = cell.decision;
      if (!decision) return position;
      return {
        ...position,
        class: decision.class,
        probs: Object.fromEntries(Object.entries(decision.probs).map(([code, p]) => [code, round(p, 6)])),
        confidence: round(decision.confidence, 6),
        abstained: decision.abstained,
        ...(decision.abstainReason ? { abstainReason: decision.abstainReason } : {}),
        pBlast: round(decision.pBlast, 6),
        pAtypical: round(decision.pAtypical, 6),
        blastFlag: decision.blastFlag,
        atypicalFlag: decision.atypicalFlag,
      };
    }),
    skippedAtBorder: result.skippedAtBorder.length,
    stainNormalized: result.stain?.normalized ?? false,
    ...(result.stain?.note ? { stainNote: result.stain.note } : {}),
    timingsMs: roundTimings(result.timingsMs),
    ...(result.error ? { error: result.error } : {}),
  };
}

/** Stage times rounded to 0.01 ms, in the order of FrameTimingsMs. */
function roundTimings(t: FrameTimingsMs): FrameTimingsMs {
  return {
    stainFit: round(t.stainFit, 2),
    localize: round(t.localize, 2),
    patches: round(t.patches, 2),
    inference: round(t.inference, 2),
    total: round(t.total, 2),
  };
}

/**
 * CSV of the report: one row per cell (frames without cells get one row with empty cell fields).
 * Every row carries its frame's scale (um/px, and its scaleSource: 'given' or 'frame'-estimated; both
 * empty when unknown), the frame's warnings (scale warning, stain note, cells skipped at the border) and error;
 * cell rows carry the screening flags and any abstain reason.
 */
export function reportToCsv(report: AnalyzeReport): string {
  const classes = report.model.classes;
  const header = [
    'file',
    'micronsPerPixel',
    'scaleSource',
    'x',
    'y',
    'x0',
    'y0',
    'x1',
    'y1',
    'ratio',
    'class',
    'confidence',
    'abstained',
    'pBlast',
    'pAtypical',
    'blastFlag',
    'atypicalFlag',
    ...classes.map((c) => `p_${c}`),
    'warnings',
    'error',
  ];
  const rows = [header.join(',')];
  for (const frame of report.frames) {
    const file = csvField(frame.file);
    const scale = [frame.micronsPerPixel ?? '', frame.scaleSource ?? ''];
    const frameWarnings = [
      frame.scaleWarning,
      frame.stainNote,
      frame.skippedAtBorder ? `${frame.skippedAtBorder} cell(s) skipped at the border` : undefined,
    ];
    const error = frame.error ? csvField(`${frame.error.code}: ${frame.error.message}`) : '';
    if (frame.cells.length === 0) {
      rows.push([file, ...scale, ...new Array(header.length - 5).fill(''), warningsField(frameWarnings), error].join(','));
    }
    // biome-ignore lint/suspicious/noExplicitAny: a CSV row reads whichever report fields exist, by name
    for (const cell of frame.cells as Array<Record<string, any>>) {
      const probs = (cell.probs ?? {}) as Record<string, number>;
      rows.push(
        [
          file,
          ...scale,
          cell.x,
          cell.y,
          ...cell.box,
          cell.ratio,
          cell.class ?? '',
          cell.confidence ?? '',
          cell.abstained ?? '',
          cell.pBlast ?? '',
          cell.pAtypical ?? '',
          cell.blastFlag ?? '',
          cell.atypicalFlag ?? '',
          ...classes.map((c) => probs[c] ?? ''),
          warningsField([...frameWarnings, cell.abstainReason, cell.crossesBorder ? 'patch crosses the frame border' : undefined]),
          error,
        ].join(','),
      );
    }
  }
  return rows.join('\n') + '\n';
}

function warningsField(warnings: Array<string | undefined>): string {
  return csvField(warnings.filter(Boolean).join('; '));
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
