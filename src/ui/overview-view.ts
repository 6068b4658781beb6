// The overview: each frame with its cells outlined in their class colour and labelled with the
// class code (unidentified: dashed, "?"). An outline is a button: clicking it selects the cell.
import { classOfKey } from './class-keys.js';
import { h, replace } from './dom.js';
import { UNIDENTIFIED, type ReviewCell, type ReviewFrame } from './review-state.js';
import type { StationContext } from './station-context.js';
import { countOf } from './words.js';

const SVG = 'http://www.w3.org/2000/svg';
/** What the caption says of a scale the SDK did not take as given: every estimate says so. */
const SCALE_SOURCE_NOTE: Record<NonNullable<ReviewFrame['scaleSource']>, string> = {
  given: '',
  frame: ' (estimated)',
  run: ' (estimated from earlier frames)',
};
/** Frames are drawn at most this wide (CSS scales them down further): bounds canvas memory. */
const MAX_FRAME_CANVAS_PX = 960;

export class OverviewView {
  readonly element: HTMLElement;
  private readonly figures = new Map<number, { canvas: HTMLCanvasElement; svg: SVGSVGElement; caption: HTMLElement }>();
  private readonly outlines = new Map<string, SVGGElement>();
  /** Frames are decoded and drawn only once scrolled near the view (thousands of frames stay light). */
  private readonly visible = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        this.visible.unobserve(entry.target);
        void this.drawFrame(Number((entry.target as HTMLElement).dataset.frameId));
      }
    },
    { rootMargin: '400px' },
  );

  constructor(private readonly ctx: StationContext) {
    this.element = h('div', { class: 'ss-overview' });
    const activate = (event: Event) => {
      const outline = (event.target as Element).closest<SVGGElement>('[data-outline-cell]');
      if (outline) ctx.select(outline.dataset.outlineCell!, { focus: false });
    };
    this.element.addEventListener('click', activate);
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        activate(event);
        return;
      }
      // Number keys reclassify as in the gallery: the focused outline's cell, else the selected one.
      const info = classOfKey(ctx.classes, event);
      const outline = (event.target as Element).closest<SVGGElement>('[data-outline-cell]');
      const id = outline?.dataset.outlineCell ?? ctx.selected();
      if (!info || !id) return;
      event.preventDefault();
      if (id !== ctx.selected()) ctx.select(id, { focus: false });
      ctx.reclassify(id, info.code);
    });
  }

  addFrame(frame: ReviewFrame, cells: readonly ReviewCell[]): void {
    const canvas = h('canvas', { width: 0, height: 0, 'aria-hidden': 'true' });
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${frame.width} ${frame.height}`);
    svg.setAttribute('class', 'ss-outlines');
    // Outline width in frame pixels, for a frame shown 260-480 px wide: 2-4 screen px (CSSOM: CSP-safe).
    svg.style.setProperty('--ss-stroke', `${Math.max(2, frame.width / 100)}px`);
    const caption = h('figcaption', {});
    // A failed frame looks failed (not an empty grey box that might still be loading); it is not drawn.
    const image = frame.error
      ? h('div', { class: 'ss-frame-image ss-failed-mark', role: 'img', 'aria-label': `${frame.label}: not analyzed` }, '✗ Not analyzed')
      : h('div', { class: 'ss-frame-image' }, canvas, svg);
    if (!frame.error) image.style.aspectRatio = `${Math.max(1, frame.width)} / ${Math.max(1, frame.height)}`; // CSSOM: allowed under a strict CSP
    const figure = h(
      'figure',
      { class: 'ss-frame', 'data-frame-id': frame.id, 'data-failed': frame.error ? 'true' : undefined },
      image,
      caption,
    );
    this.figures.set(frame.id, { canvas, svg, caption });
    for (const cell of cells) svg.append(this.outline(cell, frame));
    this.caption(frame, cells.length);
    this.element.append(figure);
    if (!frame.error) this.visible.observe(figure);
  }

  private caption(frame: ReviewFrame, cells: number): void {
    const figure = this.figures.get(frame.id)!;
    const scale = frame.micronsPerPixel
      ? `${frame.micronsPerPixel.toFixed(3)} µm/px${SCALE_SOURCE_NOTE[frame.scaleSource ?? 'given']}`
      : 'scale unknown';
    replace(
      figure.caption,
      frame.error ? `${frame.label}: not analyzed — ${frame.error}` : `${frame.label} · ${countOf(cells, 'cell')} · ${scale}`,
      frame.scaleWarning
        ? h('span', { class: 'ss-warning', 'data-role': 'scale-warning' }, h('strong', {}, '⚠ Scale: '), frame.scaleWarning)
        : null,
    );
  }

  private async drawFrame(frameId: number): Promise<void> {
    const figure = this.figures.get(frameId);
    const bitmap = figure ? await this.ctx.bitmap(frameId) : undefined;
    if (!figure || !bitmap) return;
    const scale = Math.min(1, MAX_FRAME_CANVAS_PX / bitmap.width);
    figure.canvas.width = Math.round(bitmap.width * scale);
    figure.canvas.height = Math.round(bitmap.height * scale);
    figure.canvas.getContext('2d')!.drawImage(bitmap, 0, 0, figure.canvas.width, figure.canvas.height);
  }

  private outline(cell: ReviewCell, frame: ReviewFrame): SVGGElement {
    const group = document.createElementNS(SVG, 'g');
    group.setAttribute('data-outline-cell', cell.id);
    group.setAttribute('tabindex', '0');
    group.setAttribute('role', 'button');
    const rect = document.createElementNS(SVG, 'rect');
    const [x0, y0, x1, y1] = cell.box;
    rect.setAttribute('x', String(x0));
    rect.setAttribute('y', String(y0));
    rect.setAttribute('width', String(x1 - x0));
    rect.setAttribute('height', String(y1 - y0));
    // The label: 14-24 screen px.
    const fontPx = frame.height / 12;
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', String(Math.max(4, x0 + 4)));
    label.setAttribute('y', String(Math.max(y0, 0) + fontPx));
    label.setAttribute('font-size', String(fontPx));
    group.append(rect, label);
    this.outlines.set(cell.id, group);
    this.update(cell);
    return group;
  }

  /** Re-labels a cell's outline after a change. */
  update(cell: ReviewCell): void {
    const group = this.outlines.get(cell.id);
    if (!group) return;
    const info = this.ctx.classByCode.get(cell.currentClass)!;
    group.setAttribute('data-outline-class', cell.currentClass);
    group.setAttribute('aria-label', `Cell ${cell.id}, ${info.name}: show it`);
    group.querySelector('text')!.textContent = cell.currentClass === UNIDENTIFIED ? '?' : cell.currentClass;
  }

  setSelected(id: string | null): void {
    for (const [cellId, group] of this.outlines) group.classList.toggle('ss-selected', cellId === id);
  }
}
