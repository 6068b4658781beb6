// The selected cell, large: its crop (CAM on demand), the model's call with its probabilities,
// the blast and atypical scores, and what the cytologist made of it.
import { cellScores } from './cell-scores.js';
import { drawCam, drawCrop } from './crop.js';
import { h, replace } from './dom.js';
import type { ReviewCell, ReviewFrame } from './review-state.js';
import type { StationContext } from './station-context.js';

export class DetailView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly text: HTMLElement;

  constructor(private readonly ctx: StationContext) {
    this.canvas = h('canvas', { width: 2 * ctx.patchPx, height: 2 * ctx.patchPx, role: 'img', 'aria-label': 'No cell selected' });
    this.text = h('div', { class: 'ss-detail-text' }, h('p', {}, 'Select a cell in the overview or the gallery.'));
    this.element = h(
      'section',
      { class: 'ss-detail', 'aria-labelledby': 'ss-detail-title', 'aria-live': 'polite' },
      h('h2', { id: 'ss-detail-title' }, 'Selected cell'),
      h('div', { class: 'ss-detail-body' }, this.canvas, this.text),
    );
  }

  /** Shows the selected cell; resolves once its crop is drawn. */
  async render(): Promise<void> {
    const id = this.ctx.selected();
    const cell = id ? this.ctx.cellById(id) : undefined;
    if (!cell) return;
    const frame = this.ctx.frameById(cell.frameId)!;
    this.describe(cell, frame);
    const bitmap = await this.ctx.bitmap(cell.frameId);
    if (bitmap && this.ctx.selected() === id) {
      drawCrop(this.canvas, bitmap, frame, cell, this.ctx.patchMicrons);
      const cam = this.ctx.camOn() && drawCam(this.canvas, cell);
      this.canvas.dataset.drawn = `${cell.id}${cam ? '+cam' : ''}`; // what is on the canvas, for hosts and tests
    }
  }

  private describe(cell: ReviewCell, frame: ReviewFrame): void {
    const name = (code: string) => this.ctx.classByCode.get(code)?.name ?? code;
    this.canvas.setAttribute('aria-label', `Cell ${cell.id} from ${frame.label}`);
    const scores = cellScores(cell, this.ctx.scheme);
    const top = Object.entries(cell.probs)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3);
    replace(
      this.text,
      h('p', {}, h('strong', {}, `${name(cell.currentClass)}`), ` · cell ${cell.id} · ${frame.label}`),
      h(
        'p',
        {},
        `Model: ${name(cell.modelClass)} ${(cell.confidence * 100).toFixed(0)} %${cell.modelAbstained ? ' (abstained: sent to review)' : ''}`,
      ),
      scores.length > 0
        ? h(
            'p',
            { 'data-role': 'cell-scores' },
            scores
              .map((s) => `${s.name === 'blast' ? 'Blast' : 'Atypical'} score ${s.value.toFixed(2)}${s.flagged ? ' ⚑ flagged' : ''}`)
              .join(' · '),
          )
        : null,
      h(
        'ul',
        { class: 'ss-probs', 'aria-label': 'Top class probabilities' },
        ...top.map(([code, p]) => h('li', {}, `${code} ${(p * 100).toFixed(1)} %`)),
      ),
      !cell.cam
        ? h('p', { class: 'ss-note' }, 'No CAM: the model card declares no feature map.')
        : this.ctx.camOn()
          ? h('p', { class: 'ss-note' }, `CAM: where the model saw ${cell.modelClass} (red: most evidence)`)
          : null,
    );
  }
}
