// The gallery: a crop of every cell, grouped by current class (unidentified first), as one ARIA
// listbox with a roving focus. Tiles are made once and moved between groups on a change, so a
// reclassification redraws nothing and 2,000 cells stay smooth.
import { cellScores } from './cell-scores.js';
import { classOfKey } from './class-keys.js';
import { drawCam, drawCrop } from './crop.js';
import { h } from './dom.js';
import { UNIDENTIFIED, type ReviewCell } from './review-state.js';
import type { ClassInfo, StationContext } from './station-context.js';

interface Group {
  section: HTMLElement;
  count: HTMLElement;
  list: HTMLElement;
  empty: HTMLElement;
}

export class GalleryView {
  readonly element: HTMLElement;
  private readonly tiles = new Map<string, HTMLElement>();
  private readonly groups = new Map<string, Group>();
  /** Cell id -> position in the session, so a moved tile lands in order. */
  private readonly order = new Map<string, number>();
  private readonly cellsByFrame = new Map<number, ReviewCell[]>();

  constructor(private readonly ctx: StationContext) {
    this.element = h('div', {
      class: 'ss-gallery',
      role: 'listbox',
      'aria-label': 'Cells by class; arrow keys move, number keys reclassify',
    });
    for (const info of ctx.classes) this.element.append(this.makeGroup(info));
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    this.element.addEventListener('click', (event) => {
      const tile = (event.target as Element).closest<HTMLElement>('[data-cell-id]');
      if (tile) ctx.select(tile.dataset.cellId!, { focus: true });
    });
  }

  private makeGroup(info: ClassInfo): HTMLElement {
    const id = `ss-group-${info.code}`;
    const count = h('span', { class: 'ss-count' }, '0');
    const empty = h('p', { class: 'ss-empty' }, 'no cells');
    const list = h('div', { class: 'ss-tiles' });
    const section = h(
      'section',
      { class: 'ss-group', role: 'group', 'aria-labelledby': id, 'data-drop-class': info.code },
      h(
        'h3',
        { id },
        h('span', { class: 'ss-swatch', 'data-swatch': info.code }),
        `${info.code === UNIDENTIFIED ? '?' : info.code} · ${info.name} `,
        count,
        info.counted
          ? null
          : h('span', { class: 'ss-note' }, info.code === UNIDENTIFIED ? ' (not counted: review these)' : ' (not counted)'),
      ),
      empty,
      list,
    );
    this.groups.set(info.code, { section, count, list, empty });
    return section;
  }

  /** Adds tiles for new cells; their crops are drawn as their frames decode. */
  addCells(cells: readonly ReviewCell[]): void {
    const frames = new Set<number>();
    for (const cell of cells) {
      this.order.set(cell.id, this.order.size);
      const ofFrame = this.cellsByFrame.get(cell.frameId) ?? [];
      ofFrame.push(cell);
      this.cellsByFrame.set(cell.frameId, ofFrame);
      const tile = h(
        'div',
        { class: 'ss-tile', role: 'option', tabindex: -1, 'aria-selected': 'false', 'data-cell-id': cell.id },
        h('canvas', { width: this.ctx.patchPx, height: this.ctx.patchPx, 'aria-hidden': 'true' }),
        h('span', { class: 'ss-tile-code' }),
        h('span', { class: 'ss-tile-scores' }),
      );
      this.tiles.set(cell.id, tile);
      this.describe(tile, cell);
      this.groups.get(cell.currentClass)!.list.append(tile);
      frames.add(cell.frameId);
    }
    for (const frameId of frames) void this.drawFrame(frameId);
    if (!this.element.querySelector('[tabindex="0"]') && this.tiles.size > 0) this.firstTile()?.setAttribute('tabindex', '0');
    this.refreshCounts();
  }

  /** Draws the crops of one frame's cells (the frame is decoded for it). */
  async drawFrame(frameId: number): Promise<void> {
    const cells = this.cellsByFrame.get(frameId) ?? [];
    const frame = this.ctx.frameById(frameId);
    const bitmap = cells.length && frame ? await this.ctx.bitmap(frameId) : undefined;
    if (!bitmap || !frame) return;
    for (const cell of cells) {
      const canvas = this.tiles.get(cell.id)?.querySelector('canvas');
      if (!canvas) continue;
      drawCrop(canvas, bitmap, frame, cell, this.ctx.patchMicrons);
      if (this.ctx.camOn()) drawCam(canvas, cell);
      canvas.dataset.drawn = 'true'; // for hosts and the benchmark: this crop is on screen
    }
  }

  /** Redraws every crop (CAM switched on or off). */
  async redrawAll(): Promise<void> {
    await Promise.all([...this.cellsByFrame.keys()].map((frameId) => this.drawFrame(frameId)));
  }

  /** Moves a cell's tile to the group of its current class, keeping session order. */
  moveCell(cell: ReviewCell): void {
    const tile = this.tiles.get(cell.id)!;
    this.describe(tile, cell);
    const list = this.groups.get(cell.currentClass)!.list;
    const position = this.order.get(cell.id)!;
    const after = [...list.children].find((other) => this.order.get((other as HTMLElement).dataset.cellId!)! > position);
    list.insertBefore(tile, after ?? null);
    this.refreshCounts();
  }

  private describe(tile: HTMLElement, cell: ReviewCell): void {
    const info = this.ctx.classByCode.get(cell.currentClass)!;
    const model = this.ctx.classByCode.get(cell.modelClass);
    const unidentified = cell.currentClass === UNIDENTIFIED;
    tile.dataset.cellClass = cell.currentClass;
    tile.dataset.flag = cell.blastFlag || cell.atypicalFlag ? 'true' : 'false';
    const code = tile.querySelector('.ss-tile-code')!;
    const edited = !unidentified && (cell.currentClass !== cell.modelClass || cell.modelAbstained);
    code.textContent = unidentified
      ? `? ${cell.modelClass} ${pct(cell.confidence)}`
      : `${cell.currentClass} ${edited ? '✎' : pct(cell.confidence)}`;
    const scores = cellScores(cell, this.ctx.scheme);
    tile.querySelector('.ss-tile-scores')!.textContent = scores
      .map((s) => `${s.name === 'atypical' ? 'atyp' : s.name} ${s.value.toFixed(2)}${s.flagged ? ' ⚑' : ''}`)
      .join(' · ');
    tile.setAttribute(
      'aria-label',
      `Cell ${cell.id}: ${info.name}${unidentified ? '' : ` (${cell.currentClass})`}${edited ? ', reviewed' : ''}; model said ${model?.name ?? cell.modelClass} ` +
        `${pct(cell.confidence)}${cell.modelAbstained ? ', abstained' : ''}` +
        scores.map((s) => `; ${s.name} score ${s.value.toFixed(2)}${s.flagged ? ', flagged' : ''}`).join(''),
    );
  }

  refreshCounts(): void {
    for (const group of this.groups.values()) {
      const n = group.list.childElementCount;
      group.count.textContent = String(n);
      group.empty.hidden = n > 0;
    }
  }

  setSelected(id: string | null, focus: boolean): void {
    for (const tile of this.element.querySelectorAll<HTMLElement>('[aria-selected="true"]')) tile.setAttribute('aria-selected', 'false');
    if (id === null) return;
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.setAttribute('aria-selected', 'true');
    for (const other of this.element.querySelectorAll<HTMLElement>('[tabindex="0"]')) other.setAttribute('tabindex', '-1');
    tile.setAttribute('tabindex', '0');
    if (focus) {
      tile.focus();
      tile.scrollIntoView({ block: 'nearest' });
    }
  }

  /**
   * The tile that takes the focus after `id` leaves its group: the next one in the group, else the
   * previous; null when it was the group's only one. Never one of another group: the keys pressed
   * next would overwrite calls the operator did not mean to touch.
   */
  neighbour(id: string): string | null {
    const tile = this.tiles.get(id);
    const next = tile?.nextElementSibling ?? tile?.previousElementSibling;
    return next instanceof HTMLElement ? next.dataset.cellId! : null;
  }

  /** The name of the group a cell's tile is in now. */
  groupName(id: string): string {
    const code = this.tiles.get(id)?.dataset.cellClass;
    return (code && this.ctx.classByCode.get(code)?.name) ?? '';
  }

  private allTiles(): HTMLElement[] {
    return [...this.element.querySelectorAll<HTMLElement>('[role="option"]')];
  }

  private firstTile(): HTMLElement | undefined {
    return this.element.querySelector<HTMLElement>('[role="option"]') ?? undefined;
  }

  private onKey(event: KeyboardEvent): void {
    const current = (event.target as Element).closest<HTMLElement>('[data-cell-id]');
    if (!current || event.altKey || event.metaKey || event.ctrlKey) return;
    const tiles = this.allTiles();
    const i = tiles.indexOf(current);
    let target: HTMLElement | undefined;
    switch (event.key) {
      case 'ArrowRight':
        target = tiles[i + 1];
        break;
      case 'ArrowLeft':
        target = tiles[i - 1];
        break;
      case 'ArrowDown':
        target = this.vertical(tiles, current, 1);
        break;
      case 'ArrowUp':
        target = this.vertical(tiles, current, -1);
        break;
      case 'Home':
        target = tiles[0];
        break;
      case 'End':
        target = tiles[tiles.length - 1];
        break;
      default: {
        const info = classOfKey(this.ctx.classes, event);
        if (!info) return;
        event.preventDefault();
        this.ctx.reclassify(current.dataset.cellId!, info.code);
        return;
      }
    }
    event.preventDefault();
    if (target) this.ctx.select(target.dataset.cellId!, { focus: true });
  }

  /** The tile in the next row up or down (across groups) nearest horizontally. */
  private vertical(tiles: HTMLElement[], current: HTMLElement, direction: 1 | -1): HTMLElement | undefined {
    const from = current.getBoundingClientRect();
    let best: HTMLElement | undefined;
    let bestRowTop = direction > 0 ? Infinity : -Infinity;
    let bestDx = Infinity;
    for (const tile of tiles) {
      const box = tile.getBoundingClientRect();
      const beyond = direction > 0 ? box.top > from.top + 1 : box.top < from.top - 1;
      if (!beyond) continue;
      const closerRow = direction > 0 ? box.top < bestRowTop - 1 : box.top > bestRowTop + 1;
      const sameRow = Math.abs(box.top - bestRowTop) <= 1;
      const dx = Math.abs(box.left - from.left);
      if (closerRow || (sameRow && dx < bestDx)) {
        best = tile;
        bestRowTop = box.top;
        bestDx = dx;
      }
    }
    return best;
  }
}

function pct(p: number): string {
  return `${Math.round(p * 100)} %`;
}
