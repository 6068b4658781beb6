// The live differential: counts, percentages with 95 % intervals, progress to the target, the
// cells not counted, the blast (and atypical) share, and the flags with their thresholds.
import type { DifferentialReport, ScreeningFlag } from '../index.js';
import { h, percent, replace } from './dom.js';
import { UNIDENTIFIED } from './review-state.js';
import type { StationContext } from './station-context.js';
import { countOf } from './words.js';

/** The sentence every screen and printout of the station carries. */
export const SCREENING_AID_SENTENCE = 'Screening aid for a cytologist, never a diagnosis.';

export class DifferentialView {
  readonly element: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly progress: HTMLProgressElement;
  private readonly progressText: HTMLElement;
  private readonly extras: HTMLElement;
  private readonly flags: HTMLElement;
  private readonly scaleFlag: HTMLElement;

  constructor(private readonly ctx: StationContext) {
    this.table = h('table', { 'data-role': 'differential', class: 'ss-table' });
    this.progress = h('progress', { max: 200, value: 0, 'aria-labelledby': 'ss-progress-label' });
    this.progressText = h('span', { id: 'ss-progress-label' });
    this.extras = h('ul', { class: 'ss-extras' });
    this.flags = h('ul', { class: 'ss-flags', 'aria-label': 'Screening flags' });
    this.scaleFlag = h('p', { class: 'ss-warning', 'data-role': 'scale-flag', hidden: true });
    this.element = h(
      'section',
      { class: 'ss-differential', 'aria-labelledby': 'ss-differential-title' },
      h('h2', { id: 'ss-differential-title' }, 'Differential (reviewed)'),
      h('div', { class: 'ss-progress' }, this.progress, this.progressText),
      this.scaleFlag,
      this.table,
      this.extras,
      h('h3', {}, 'Flags'),
      this.flags,
      h(
        'p',
        { class: 'ss-aid' },
        h('strong', {}, SCREENING_AID_SENTENCE),
        ' Percentages and flags come from an automated classifier and the review above; confirm on the slide.',
      ),
    );
  }

  render(report: DifferentialReport): void {
    const rounding = roundingNote(report);
    this.progress.max = report.targetCount;
    this.progress.value = Math.min(report.countedCells, report.targetCount);
    this.progressText.textContent = `${report.countedCells} of ${report.targetCount} cells counted${report.targetReached ? ' — target reached' : ''}`;
    this.renderScaleFlag(report.scaleFlag);
    const rows = report.differential.map((row) =>
      h(
        'tr',
        { 'data-class': row.code },
        h(
          'th',
          { scope: 'row' },
          h('span', { class: 'ss-swatch', 'data-swatch': row.code }),
          `${row.code} `,
          h('span', { class: 'ss-name' }, row.name),
        ),
        h('td', { 'data-col': 'count' }, String(row.count)),
        h('td', { 'data-col': 'percent' }, percent(row.percent)),
        h('td', { 'data-col': 'ci' }, row.ci95Percent ? `${row.ci95Percent[0].toFixed(1)}–${row.ci95Percent[1].toFixed(1)}` : '–'),
      ),
    );
    replace(
      this.table,
      h('caption', {}, `Counted cells, percentages with 95 % intervals (Clopper-Pearson)`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Class'),
          h('th', { scope: 'col' }, 'n'),
          h('th', { scope: 'col' }, '%'),
          h('th', { scope: 'col' }, '95 % CI'),
        ),
      ),
      h('tbody', {}, ...rows),
      h(
        'tfoot',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, 'Counted'),
          h('td', { 'data-col': 'count' }, String(report.countedCells)),
          h('td', {}, report.countedCells ? `100 %${rounding ? '*' : ''}` : '–'),
          h('td', {}),
        ),
        rounding ? h('tr', {}, h('td', { colspan: 4, class: 'ss-note', 'data-role': 'rounding-note' }, `* ${rounding}`)) : null,
      ),
    );
    const unidentified = this.ctx.state.cells.filter((cell) => cell.currentClass === UNIDENTIFIED).length;
    const group = (name: string, g: DifferentialReport['blast']) =>
      g
        ? h(
            'li',
            {},
            `${name}: ${g.count} = ${percent(g.percent)}${g.ci95Percent ? ` (95 % CI ${g.ci95Percent[0].toFixed(1)}–${g.ci95Percent[1].toFixed(1)})` : ''}`,
          )
        : null;
    replace(
      this.extras,
      h('li', { 'data-role': 'unidentified-count' }, `Unidentified (not counted, review them): ${unidentified}`),
      ...report.notCounted.filter((row) => row.count > 0).map((row) => h('li', {}, `${row.code} ${row.name}: ${row.count} (not counted)`)),
      group('Blasts', report.blast),
      group('Atypical', report.atypical),
      report.blast ? h('li', {}, `Cells with blast score ≥ threshold: ${report.flaggedCells.blast}`) : null,
    );
    // A flag on a group the model has no class for is not "not raised": it is not measured at all.
    const measured = (flag: ScreeningFlag) => (flag.measure === 'blastPercent' ? report.blast : report.atypical) !== null;
    const unmeasured = report.flags.filter((flag) => !measured(flag));
    replace(
      this.flags,
      ...report.flags
        .filter(measured)
        .map((flag) =>
          h(
            'li',
            { 'data-raised': flag.raised ? 'true' : 'false' },
            h('strong', {}, flag.raised ? '▲ RAISED ' : '○ not raised '),
            `${flag.label} (threshold ${flag.thresholdPercent} %, measured ${percent(flag.valuePercent)}${flag.intervalAboveThreshold ? '; the whole interval is above it' : ''})`,
          ),
        ),
      ...[...new Set(unmeasured.map((flag) => flag.measure))].map((measure) => {
        const group = measure === 'blastPercent' ? 'blast' : 'atypical';
        const thresholds = unmeasured.filter((flag) => flag.measure === measure).map((flag) => `${flag.thresholdPercent} %`);
        return h(
          'li',
          { 'data-raised': 'not-computed' },
          h('strong', {}, '– not computed '),
          `${group[0].toUpperCase()}${group.slice(1)} flags (${thresholds.join(', ')}): the model's scheme (${report.scheme.name}) has no ${group} class, so it measures no ${group} share.`,
        );
      }),
    );
  }

  /** Above the table: a wrong scale puts every number below in doubt (each frame's own warning is in its caption). */
  private renderScaleFlag(flag: DifferentialReport['scaleFlag']): void {
    this.scaleFlag.hidden = !flag.raised;
    replace(
      this.scaleFlag,
      h('strong', {}, `⚠ Scale warning on ${flag.framesWithWarning} of ${countOf(flag.framesSeen, 'frame')}: `),
      'the given µm/px disagrees with the erythrocytes by more than 25 %, so cell sizes, counts and flags may all be wrong. ' +
        'Check the µm/px field (cleared, each new frame estimates its own from its erythrocytes).',
    );
  }
}

/** When the rows, each rounded to 0.1 %, do not add up to the 100 % below them, says so (a reader
 * adding them up should not suspect a lost cell). */
function roundingNote(report: DifferentialReport): string | null {
  const shown = report.differential.reduce((sum, row) => sum + Math.round(Number((row.percent ?? 0).toFixed(1)) * 10), 0) / 10; // as percent() shows them
  if (report.countedCells === 0 || shown === 100) return null;
  return `each row is rounded to 0.1 %; shown, they add up to ${shown.toFixed(1)} %`;
}
