// The station's top bar: open frames (files or a folder), the scanner's scale, the operator,
// undo, CAM, exports, a new session, and the status line.
import { h } from './dom.js';
import { DECODABLE_IMAGE_TYPES } from './frame-files.js';

export interface Toolbar {
  element: HTMLElement;
  files: HTMLInputElement;
  folder: HTMLInputElement;
  scale: HTMLInputElement;
  operator: HTMLInputElement;
  undo: HTMLButtonElement;
  cam: HTMLButtonElement;
  exportJson: HTMLButtonElement;
  exportCsv: HTMLButtonElement;
  print: HTMLButtonElement;
  newSession: HTMLButtonElement;
  /** The status line (not in the bar: the element places it beside the view tabs). */
  status: HTMLElement;
}

export function buildToolbar(title: string): Toolbar {
  const files = h('input', {
    type: 'file',
    multiple: true,
    accept: DECODABLE_IMAGE_TYPES,
    'data-role': 'frame-input',
    'aria-label': 'Open frames',
  });
  const folder = h('input', {
    type: 'file',
    webkitdirectory: true,
    multiple: true,
    'data-role': 'folder-input',
    'aria-label': 'Open a folder of frames',
  });
  const scale = h('input', {
    type: 'number',
    min: '0.01',
    max: '5',
    step: '0.001',
    'data-role': 'microns-per-pixel',
    placeholder: 'estimate',
  });
  const operator = h('input', { type: 'text', autocomplete: 'name', 'data-role': 'operator', placeholder: 'name' });
  const button = (action: string, label: string, extra: Record<string, string> = {}) =>
    h('button', { type: 'button', 'data-action': action, ...extra }, label);
  const toolbar: Toolbar = {
    element: h('header', { class: 'ss-bar', role: 'toolbar', 'aria-label': 'Review station' }),
    files,
    folder,
    scale,
    operator,
    undo: button('undo', '↶ Undo', { 'aria-keyshortcuts': 'Control+Z' }),
    cam: button('cam', 'CAM', { 'aria-pressed': 'false', title: 'Class activation map over the crops' }),
    exportJson: button('export-json', 'JSON', { title: 'Export the report, reviewed classes and audit log' }),
    exportCsv: button('export-csv', 'CSV', { title: 'Export the cells as CSV' }),
    print: button('print', 'Print', { title: 'Print the report' }),
    newSession: button('new-session', 'New slide', { title: 'Discard this session and start a new slide' }),
    status: h('span', { class: 'ss-status', role: 'status', 'aria-live': 'polite' }, 'Loading the model…'),
  };
  toolbar.element.append(
    h('h1', {}, title),
    h('label', { class: 'ss-file' }, 'Open frames', files),
    h('label', { class: 'ss-file' }, 'Open folder', folder),
    h('label', {}, 'µm/px', scale),
    h('label', {}, 'Operator', operator),
    toolbar.undo,
    toolbar.cam,
    toolbar.exportJson,
    toolbar.exportCsv,
    toolbar.print,
    toolbar.newSession,
  );
  return toolbar;
}

/** Saves `text` as a file through the browser's download (a blob URL: nothing leaves the machine). */
export function download(doc: Document, name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: name, hidden: true });
  doc.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
