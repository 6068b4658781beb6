// Ctrl+Z (Cmd+Z) as the station's Undo: one rule for the element and the kiosk page around it.
// A text field keeps its own undo of typing; Ctrl+Shift+Z (redo elsewhere) is not an undo.

export function isStationUndo(event: KeyboardEvent): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey || event.key.toLowerCase() !== 'z') return false;
  const target = event.target;
  return !(target instanceof Element && target.closest('input, textarea, select, [contenteditable]:not([contenteditable=false])'));
}
