// What a TypeScript user writes against the public API, compiled by `npm run typecheck`
// (tsc --noEmit, strict): a stream of results goes into a slide with no cast, and a cell's
// decision must be checked before use (a locate-only scope has none). Not run, only compiled.
import { createScope, createSlide, type CellResult, type FrameInput, type FrameResult } from '../../src/index.js';

export async function differentialOf(frames: AsyncIterable<FrameInput>): Promise<number> {
  const scope = await createScope();
  const slide = createSlide({ scheme: scope.scheme });
  for await (const r of scope.analyzeStream(frames)) slide.addFrame(r);
  await scope.dispose();
  return slide.report().countedCells;
}

export function classesOf(result: FrameResult): string[] {
  return result.cells.flatMap((cell) => (cell.decision ? [cell.decision.class] : []));
}

export function scaleOf(result: FrameResult): string {
  // One representation of an unknown scale: absent, with scaleSource saying where a known one came from.
  return result.micronsPerPixel === undefined ? 'unknown' : `${result.micronsPerPixel} um/px (${result.scaleSource})`;
}

export function unchecked(cell: CellResult): string {
  // @ts-expect-error under strict, `decision` is optional: reading it unchecked does not compile.
  return cell.decision.class;
}
