// Reclassify by dragging a tile onto a class group or a class button, with mouse, pen or touch
// (one pointer-events path). Mouse and pen start a drag after a few pixels; touch after a
// sideways move, so a vertical swipe still scrolls the gallery (tiles are touch-action: pan-y).
import { h } from './dom.js';

const START_PX = 6;

/** Wires dragging on `root`'s `[data-cell-id]` tiles; `drop(cellId, code)` is called on a drop target. */
export function enableDrag(root: HTMLElement, drop: (cellId: string, code: string) => void): void {
  root.addEventListener('pointerdown', (down) => {
    const tile = (down.target as Element).closest<HTMLElement>('[data-cell-id]');
    if (!tile || down.button !== 0) return;
    const cellId = tile.dataset.cellId!;
    let ghost: HTMLElement | undefined;
    let over: HTMLElement | null = null;
    const move = (event: PointerEvent) => {
      const dx = event.clientX - down.clientX;
      const dy = event.clientY - down.clientY;
      if (!ghost) {
        const sideways = Math.abs(dx) > START_PX && Math.abs(dx) > Math.abs(dy);
        if (!(event.pointerType === 'touch' ? sideways : Math.hypot(dx, dy) > START_PX)) return;
        ghost = h('div', { class: 'ss-ghost', 'aria-hidden': 'true' }, tile.dataset.cellClass ?? '');
        root.ownerDocument.body.append(ghost);
        tile.setPointerCapture(event.pointerId);
      }
      ghost.style.transform = `translate(${event.clientX + 8}px, ${event.clientY + 8}px)`;
      over?.classList.remove('ss-drop-over');
      over = root.ownerDocument.elementFromPoint(event.clientX, event.clientY)?.closest<HTMLElement>('[data-drop-class]') ?? null;
      over?.classList.add('ss-drop-over');
    };
    const end = (event: PointerEvent) => {
      tile.removeEventListener('pointermove', move);
      tile.removeEventListener('pointerup', end);
      tile.removeEventListener('pointercancel', end);
      over?.classList.remove('ss-drop-over');
      if (!ghost) return;
      ghost.remove();
      if (event.type === 'pointerup' && over) drop(cellId, over.dataset.dropClass!);
    };
    tile.addEventListener('pointermove', move);
    tile.addEventListener('pointerup', end);
    tile.addEventListener('pointercancel', end);
  });
}
