// The station's stylesheet, adopted by the document as a constructed stylesheet: no <style>
// element or style attribute, so a page with a strict Content-Security-Policy keeps working, and
// every rule is scoped under smearscope-review so a vendor's page is left alone.
import type { ClassInfo } from './station-context.js';

const CSS = `
smearscope-review { display: block; height: 100%; font: 15px/1.35 system-ui, sans-serif; color: #1b1b1b; background: #f4f4f2; }
smearscope-review *, smearscope-review *::before { box-sizing: border-box; }
smearscope-review .ss-root { display: grid; grid-template-rows: auto 1fr auto; height: 100%; min-height: 0; }
smearscope-review .ss-bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 6px 10px; background: #20303f; color: #fff; }
smearscope-review .ss-bar h1 { font-size: 16px; margin: 0 8px 0 0; font-weight: 600; }
smearscope-review .ss-bar label { display: inline-flex; gap: 6px; align-items: center; }
smearscope-review .ss-bar input[type=text], smearscope-review .ss-bar input[type=number] { min-height: 44px; width: 8em; font: inherit; padding: 4px 8px; border-radius: 6px; border: 1px solid #8aa; }
smearscope-review .ss-bar input[type=number] { width: 5.5em; }
smearscope-review .ss-bar input[aria-invalid=true] { outline: 4px solid #ff6b5b; outline-offset: 1px; background: #fff0ee; }
smearscope-review button, smearscope-review .ss-file { min-height: 44px; min-width: 44px; padding: 6px 12px; font: inherit; border-radius: 6px; border: 1px solid #5b6b7b; background: #fff; color: #1b1b1b; cursor: pointer; display: inline-flex; align-items: center; gap: 6px; }
smearscope-review .ss-bar button, smearscope-review .ss-bar .ss-file { background: #34495c; color: #fff; border-color: #6f8499; }
smearscope-review button[aria-pressed=true] { background: #f0c419; color: #1b1b1b; }
smearscope-review button:disabled { opacity: 0.45; cursor: not-allowed; }
smearscope-review .ss-file { position: relative; }
smearscope-review .ss-file input { position: absolute; inset: 0; opacity: 0; width: 100%; cursor: pointer; }
smearscope-review .ss-file:focus-within { outline: 3px solid #f0c419; outline-offset: 2px; }
smearscope-review :focus-visible { outline: 3px solid #f0c419; outline-offset: 2px; }
smearscope-review .ss-status { margin-left: auto; align-self: center; padding-bottom: 4px; font-size: 13px; color: #333; }
smearscope-review .ss-main { display: grid; grid-template-columns: minmax(0, 1fr) 420px; min-height: 0; }
smearscope-review .ss-views { display: grid; grid-template-rows: auto 1fr; min-height: 0; border-right: 1px solid #ccc; }
smearscope-review .ss-tabrow { display: flex; gap: 4px; padding: 6px 10px 0; background: #e6e8ea; }
smearscope-review [role=tablist] { display: flex; gap: 4px; }
smearscope-review [role=tab] { border-radius: 6px 6px 0 0; border-bottom: none; }
smearscope-review [role=tab][aria-selected=true] { background: #f4f4f2; font-weight: 600; box-shadow: inset 0 3px 0 #20303f; }
smearscope-review [role=tabpanel] { overflow: auto; min-height: 0; padding: 10px; }
smearscope-review .ss-drop-hint { margin: 40px auto; max-width: 36em; padding: 32px; border: 3px dashed #8a97a3; border-radius: 12px; text-align: center; color: #3b4955; }
smearscope-review .ss-notice { margin: 24px auto; max-width: 44em; padding: 16px 20px; border: 2px solid #b35900; border-left-width: 8px; border-radius: 8px; background: #fff4e5; }
smearscope-review .ss-notice h2 { margin: 0 0 8px; font-size: 17px; }
smearscope-review .ss-notice p { margin: 0 0 8px; }
smearscope-review .ss-notice-actions { display: flex; flex-wrap: wrap; gap: 8px; }
smearscope-review.ss-dragging-files .ss-views { outline: 4px dashed #0072b2; outline-offset: -8px; }
smearscope-review .ss-overview { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 10px; }
smearscope-review .ss-frame { margin: 0; background: #fff; border: 1px solid #ccc; border-radius: 6px; padding: 4px; }
smearscope-review .ss-frame-image { position: relative; }
smearscope-review .ss-frame canvas { display: block; width: 100%; height: 100%; background: #e4e1e4; }
smearscope-review .ss-outlines { position: absolute; inset: 0; width: 100%; height: 100%; }
smearscope-review .ss-outlines g { cursor: pointer; }
smearscope-review .ss-outlines rect { fill: transparent; stroke: var(--ss-c); stroke-width: var(--ss-stroke); }
smearscope-review .ss-outlines [data-outline-class=unidentified] rect { stroke-dasharray: calc(4 * var(--ss-stroke)) calc(2.5 * var(--ss-stroke)); }
smearscope-review .ss-outlines text { fill: #fff; stroke: #000; stroke-width: 0.18em; paint-order: stroke; font-weight: 700; }
smearscope-review .ss-outlines g.ss-selected rect, smearscope-review .ss-outlines g:focus-visible rect { stroke-width: calc(2.5 * var(--ss-stroke)); filter: drop-shadow(0 0 4px #000) drop-shadow(0 0 2px #fff); }
smearscope-review .ss-outlines g:focus { outline: none; }
smearscope-review .ss-frame[data-failed=true] { border: 2px solid #a00000; background: #fff5f5; }
smearscope-review .ss-failed-mark { display: flex; align-items: center; justify-content: center; aspect-ratio: 4 / 3; border-radius: 4px; background: repeating-linear-gradient(45deg, #fde8e8 0 12px, #f6d2d2 12px 24px); color: #8a0000; font-weight: 700; font-size: 18px; }
smearscope-review .ss-frame[data-failed=true] figcaption { color: #8a0000; }
smearscope-review figcaption { font-size: 13px; padding: 4px 2px 0; color: #333; }
smearscope-review .ss-warning { display: block; color: #8a0000; }
smearscope-review .ss-differential .ss-warning { margin: 6px 0; padding: 6px 8px; font-size: 13px; background: #fde8e8; border-left: 4px solid #a00000; }
smearscope-review .ss-warning[hidden] { display: none; }
smearscope-review .ss-group { margin: 0 0 12px; content-visibility: auto; contain-intrinsic-size: auto 160px; }
smearscope-review .ss-group h3 { margin: 0 0 6px; font-size: 15px; display: flex; align-items: center; gap: 6px; }
smearscope-review .ss-group.ss-drop-over, smearscope-review .ss-classbar button.ss-drop-over { outline: 4px solid #0072b2; background: #dbeaf5; }
smearscope-review .ss-count { display: inline-block; min-width: 2em; padding: 0 6px; border-radius: 10px; background: #20303f; color: #fff; text-align: center; font-size: 13px; }
smearscope-review .ss-note { font-weight: 400; color: #555; font-size: 13px; }
smearscope-review .ss-empty { margin: 0 0 4px; color: #777; font-size: 13px; }
smearscope-review .ss-tiles { display: flex; flex-wrap: wrap; gap: 8px; }
smearscope-review .ss-tile { width: 112px; padding: 4px; background: #fff; border: 2px solid #bbb; border-left: 8px solid var(--ss-c); border-radius: 6px; display: flex; flex-direction: column; gap: 2px; cursor: grab; touch-action: pan-y; user-select: none; }
smearscope-review .ss-tile[data-cell-class=unidentified] { border-style: dashed; border-left-style: dashed; }
smearscope-review .ss-tile canvas { width: 96px; height: 96px; display: block; }
smearscope-review .ss-tile[aria-selected=true] { border-color: #20303f; box-shadow: 0 0 0 3px #f0c419; }
smearscope-review .ss-tile[data-flag=true] .ss-tile-scores { color: #a00000; font-weight: 700; }
smearscope-review .ss-tile-code { font-weight: 700; font-size: 13px; }
smearscope-review .ss-tile-scores { font-size: 12px; color: #333; }
smearscope-review .ss-swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; background: var(--ss-c); border: 1px solid #0006; flex: none; }
smearscope-review .ss-side { overflow: auto; padding: 10px 12px; display: flex; flex-direction: column; gap: 12px; min-height: 0; }
smearscope-review .ss-side h2 { font-size: 16px; margin: 0 0 6px; }
smearscope-review .ss-side h3 { font-size: 14px; margin: 8px 0 4px; }
smearscope-review .ss-side section, smearscope-review .ss-log { background: #fff; border: 1px solid #ccc; border-radius: 6px; padding: 8px 10px; }
smearscope-review .ss-detail-body { display: flex; gap: 10px; align-items: flex-start; }
smearscope-review .ss-detail canvas { width: 144px; height: 144px; flex: none; background: #ddd; border-radius: 4px; }
smearscope-review .ss-detail-text p { margin: 0 0 4px; font-size: 14px; }
smearscope-review .ss-probs { margin: 0; padding-left: 18px; font-size: 13px; }
smearscope-review .ss-table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
smearscope-review .ss-table caption { text-align: left; font-size: 12px; color: #555; padding-bottom: 2px; }
smearscope-review .ss-table th, smearscope-review .ss-table td { white-space: nowrap; padding: 3px 4px; border-bottom: 1px solid #e2e2e2; text-align: right; }
smearscope-review .ss-table th[scope=row], smearscope-review .ss-table thead th:first-child { text-align: left; }
smearscope-review .ss-table th[scope=row] { white-space: normal; font-weight: 600; }
smearscope-review .ss-table th[scope=row] .ss-swatch { vertical-align: -2px; margin-right: 4px; }
smearscope-review .ss-table td.ss-note { white-space: normal; text-align: left; border-top: none; font-weight: 400; }
smearscope-review .ss-table tfoot th, smearscope-review .ss-table tfoot td { font-weight: 700; border-top: 2px solid #888; }
smearscope-review .ss-name { font-weight: 400; color: #444; }
smearscope-review .ss-progress { display: flex; gap: 8px; align-items: center; font-size: 14px; }
smearscope-review .ss-progress progress { flex: 1; height: 14px; }
smearscope-review .ss-extras, smearscope-review .ss-flags, smearscope-review .ss-blockers { margin: 6px 0; padding-left: 18px; font-size: 13px; }
smearscope-review .ss-flags li[data-raised=true] { color: #a00000; }
smearscope-review .ss-aid { font-size: 13px; margin: 8px 0 0; padding: 6px 8px; background: #fff7d6; border-left: 4px solid #f0c419; }
smearscope-review .ss-signoff textarea { width: 100%; font: inherit; min-height: 44px; margin: 4px 0 6px; }
smearscope-review .ss-signoff label { font-size: 13px; }
smearscope-review .ss-primary { background: #0b6e3b; color: #fff; border-color: #0b6e3b; font-weight: 600; }
smearscope-review .ss-answer { font-size: 14px; font-weight: 600; margin: 6px 0 0; }
smearscope-review .ss-signoff[data-signed=true] { border-color: #0b6e3b; border-width: 2px; }
smearscope-review .ss-log summary { cursor: pointer; min-height: 44px; display: flex; align-items: center; font-weight: 600; }
smearscope-review .ss-log .ss-table td, smearscope-review .ss-log .ss-table th { text-align: left; font-size: 12px; }
smearscope-review .ss-classbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 6px 10px; background: #e6e8ea; border-top: 1px solid #bbb; }
smearscope-review .ss-classbar button { border-left: 8px solid var(--ss-c); }
smearscope-review .ss-classbar kbd { font: 700 12px ui-monospace, monospace; padding: 1px 5px; border: 1px solid #888; border-radius: 3px; background: #f7f7f7; }
smearscope-review .ss-classbar .ss-footnote { margin-left: auto; font-size: 13px; font-weight: 600; }
smearscope-review .ss-long { display: none; margin-left: 4px; font-weight: 400; }
smearscope-review .ss-print-only { display: none; }
.ss-ghost { position: fixed; left: 0; top: 0; z-index: 1000; pointer-events: none; padding: 6px 10px; background: #20303f; color: #fff; border-radius: 6px; font: 700 14px system-ui, sans-serif; }
@media (min-width: 1700px) {
  smearscope-review .ss-main { grid-template-columns: minmax(0, 1fr) 520px; }
  smearscope-review .ss-detail canvas { width: 192px; height: 192px; }
  smearscope-review .ss-long { display: inline; }
}
@media print {
  smearscope-review { height: auto; background: #fff; font-size: 12px; }
  smearscope-review .ss-root, smearscope-review .ss-main { display: block; height: auto; }
  smearscope-review .ss-bar, smearscope-review .ss-views, smearscope-review .ss-classbar, smearscope-review .ss-detail,
  smearscope-review .ss-signoff textarea, smearscope-review .ss-signoff label, smearscope-review .ss-signoff button { display: none; }
  smearscope-review .ss-side { overflow: visible; display: block; }
  smearscope-review .ss-side section, smearscope-review .ss-log { border: none; padding: 0; margin-bottom: 10px; }
  smearscope-review .ss-print-only { display: block; }
}
`;

let adopted: CSSStyleSheet | undefined;

/** Adopts the station's rules once per document, plus one colour rule per class of this model. */
export function adoptStyles(doc: Document, classes: readonly ClassInfo[]): void {
  if (!adopted) {
    adopted = new CSSStyleSheet();
    adopted.replaceSync(CSS);
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, adopted];
  }
  const colours = new CSSStyleSheet();
  colours.replaceSync(
    classes
      .map((c) => {
        const code = CSS_ESCAPE(c.code);
        return `smearscope-review [data-cell-class="${code}"], smearscope-review [data-outline-class="${code}"], smearscope-review [data-swatch="${code}"], smearscope-review [data-class-button="${code}"] { --ss-c: ${c.colour}; }`;
      })
      .join('\n'),
  );
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, colours];
}

function CSS_ESCAPE(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}
