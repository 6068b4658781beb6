// <smearscope-review>: the review station as one custom element. Framework-free on purpose: no
// dependency to install or keep in step, and a vendor's firmware page gets one small bundle that
// works beside whatever framework the page already uses. Inference runs in the SDK's workers
// (createScope: WebGPU or wasm); this thread only draws, and the state stays in IndexedDB.
import { createScope, type DifferentialReport, type FrameInput, type FrameResult, type Scope } from '../index.js';
import { h, localTime } from './dom.js';
import { DetailView } from './detail-view.js';
import { DifferentialView, SCREENING_AID_SENTENCE } from './differential-view.js';
import { reviewedDifferential } from './differential.js';
import { enableDrag } from './drag.js';
import { cellsCsv, reviewExport, storedSessionExport, type ReviewExport } from './exports.js';
import { foreignSessionNotice } from './foreign-session-view.js';
import { onConfirmedClick } from './confirm-button.js';
import { droppedFiles, fileLabel, imageFiles, undecodableImage } from './frame-files.js';
import { frameImage, stationFrameInput, withOwnPixels } from './frame-image.js';
import type { EncodedFrame, Frame } from '../frame.js';
import { FrameBitmaps } from './frame-bitmaps.js';
import { FrameQueue } from './frame-queue.js';
import { GalleryView } from './gallery-view.js';
import { LogView } from './log-view.js';
import { OverviewView } from './overview-view.js';
import { classColours } from './palette.js';
import {
  UNIDENTIFIED,
  addFailedFrame,
  addFrameResult,
  cellsByFrame,
  changeRefusal,
  emptyState,
  failPending,
  frameCount,
  queueFrame,
  reviewRefusal,
  settleFrame,
  reclassify,
  undo,
  type ModelRef,
  type ReviewCell,
  type ReviewFrame,
  type ReviewState,
} from './review-state.js';
import { foreignSessionReason } from './session-model.js';
import { openSessionStore, type SessionStore } from './session-store.js';
import { signOffBlockers, signOffReview } from './sign-off.js';
import { SignOffView } from './sign-off-view.js';
import type { ClassInfo, StationContext } from './station-context.js';
import { adoptStyles } from './styles.js';
import { buildToolbar, download, type Toolbar } from './toolbar.js';
import { isStationUndo } from './undo-key.js';
import { countOf } from './words.js';

/** What addFrame answers once the frame is analyzed. */
export interface AddedFrame {
  frameId: number;
  cells: number;
  error?: string;
}

interface Job {
  frameId: number;
  done: (added: AddedFrame) => void;
  image: ReturnType<typeof frameImage>;
}

const DEFAULT_TARGET = 200;
const INTERRUPTED = 'INTERRUPTED: the page was reloaded (or closed) before this frame was analyzed; open it again';

export class SmearscopeReview extends HTMLElement {
  private scope: Scope | undefined;
  private state: ReviewState = emptyState();
  private store: SessionStore | undefined;
  private ctx!: StationContext;
  private toolbar!: Toolbar;
  private views!: {
    overview: OverviewView;
    gallery: GalleryView;
    detail: DetailView;
    differential: DifferentialView;
    signOff: SignOffView;
    log: LogView;
  };
  private readonly queue = new FrameQueue();
  private readonly frameBitmaps = new FrameBitmaps();
  private readonly jobs: Job[] = [];
  private intake: Promise<unknown> = Promise.resolve();
  private nextFrameId = 0;
  private selectedId: string | null = null;
  private cam = false;
  private report: DifferentialReport | undefined;
  /** A stored session of another model: shown as a notice, never opened, kept until discarded. */
  private foreign: { state: ReviewState; reason: string } | null = null;
  /** Lookups by id over state.cells / state.frames (rebuilt by indexState). */
  private readonly cellIndex = new Map<string, ReviewCell>();
  private readonly frameIndex = new Map<number, ReviewFrame>();
  private saving: Promise<void> = Promise.resolve();
  private started = false;
  private analyzing = 0;
  /** Why the analysis stream ended (it is not restarted), once it has. */
  private streamStopped: string | null = null;
  private readonly readyPromise: Promise<void>;
  private markReady!: () => void;
  private failReady!: (error: unknown) => void;

  constructor() {
    super();
    this.readyPromise = new Promise((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.readyPromise.catch(() => undefined); // reported on screen; callers of ready see it too
  }

  /** Resolves once the model is loaded and any stored session restored. */
  get ready(): Promise<void> {
    return this.readyPromise;
  }

  connectedCallback(): void {
    if (this.started) return;
    this.started = true;
    this.toolbar = buildToolbar(this.getAttribute('heading') ?? 'smearscope');
    this.append(h('div', { class: 'ss-root' }, this.toolbar.element, h('p', { class: 'ss-drop-hint' }, this.toolbar.status)));
    this.start().then(this.markReady, (error: unknown) => {
      this.toolbar.status.textContent = `Cannot start: ${(error as Error).message}`;
      this.toolbar.status.setAttribute('role', 'alert');
      this.failReady(error);
    });
  }

  /** Analyzes one frame (raw pixels, encoded bytes, or an image File/Blob); resolves when its cells are on screen. */
  async addFrame(input: FrameInput | Blob): Promise<AddedFrame> {
    await this.readyPromise;
    const refusal = this.frameRefusal();
    if (refusal) throw new Error(refusal);
    // One at a time into the queue (not through the analysis), so frame ids follow the calls.
    let analyzed!: Promise<AddedFrame>;
    const queued = this.intake.then(async () => {
      const frameId = this.nextFrameId++;
      const undecodable = input instanceof File ? undecodableImage(input.name) : null;
      if (undecodable) {
        analyzed = Promise.resolve(this.addUnanalyzed(frameId, fileLabel(input as File), undecodable));
        return;
      }
      const source = await withOwnPixels(input);
      const image = frameImage(source);
      const frame = await this.toFrameInput(source, frameId);
      analyzed = new Promise<AddedFrame>((done) => this.jobs.push({ frameId, done, image }));
      this.analyzing++;
      this.queue.push(frame);
      queueFrame(this.state, frameId, frame.label ?? `frame ${frameId + 1}`);
      this.save();
      this.showStatus();
      this.frameBitmaps.set(frameId, image);
    });
    this.intake = queued.catch(() => undefined);
    await queued;
    return analyzed;
  }

  /** Analyzes image files (an input's FileList, a drop), in name order; resolves when all are shown. */
  async analyze(files: Iterable<File> | FileList): Promise<AddedFrame[]> {
    return Promise.all(imageFiles(files as Iterable<File>).map((file) => this.addFrame(file)));
  }

  /** Undoes the newest reclassification still standing (the Undo button, Ctrl+Z); a page that
   * holds the station calls it for Ctrl+Z pressed outside it (the kiosk does). */
  undo(): void {
    if (this.started && this.views) this.undoLast();
  }

  /** The JSON record of the session now (report, reviewed classes, audit log, sign-off). */
  exportRecord(): ReviewExport {
    return reviewExport(this.state, this.currentReport(), this.scope!.card, new Date());
  }

  /** Forgets the session (screen and IndexedDB), or a stored one of another model; the model stays loaded. */
  async newSession(): Promise<void> {
    await this.readyPromise;
    // Their results would land in the new slide's count: the old slide's frames finish first.
    if (this.analyzing > 0) {
      const refusal = `${countOf(this.analyzing, 'frame')} of this slide still being analyzed: wait for them, then start a new slide`;
      this.showStatus(refusal);
      throw new Error(refusal);
    }
    await this.store?.clear();
    this.foreign = null;
    this.state = emptyState(this.modelRef());
    // The operator and the scanner stay for the next slide: what the bar shows is what is recorded.
    this.state.operator = this.toolbar.operator.value;
    this.keepScannerScale();
    this.selectedId = null;
    this.frameBitmaps.clear();
    this.ctx.state = this.state;
    this.indexState();
    this.buildViews();
    this.refresh();
  }

  private async toFrameInput(input: Frame | EncodedFrame | Blob, frameId: number): Promise<FrameInput> {
    // The field is the truth (the page's scale only fills it at start): cleared, frames estimate their own.
    const scale = this.state.scannerMicronsPerPixel;
    if (input instanceof Blob) {
      const label = input instanceof File ? fileLabel(input) : `frame ${frameId + 1}`;
      return stationFrameInput({ encoded: new Uint8Array(await input.arrayBuffer()), label }, label, scale);
    }
    return stationFrameInput(input, `frame ${frameId + 1}`, scale);
  }

  private async start(): Promise<void> {
    const backend = (this.getAttribute('backend') ?? 'auto') as 'auto';
    const workers = Number(this.getAttribute('workers')) || undefined;
    this.scope = await createScope({
      ...(this.getAttribute('model') ? { model: this.getAttribute('model')! } : {}),
      backend,
      ...(workers ? { workers } : {}),
    });
    const { scheme, card } = this.scope;
    const codes = scheme.classes.map((c) => c.code);
    const colours = classColours(codes);
    const classes: ClassInfo[] = [
      { code: UNIDENTIFIED, name: 'Unidentified', colour: colours.get(UNIDENTIFIED)!, key: '0', counted: false },
      ...scheme.classes.map((c, i) => ({
        code: c.code,
        name: c.name,
        colour: colours.get(c.code)!,
        key: i < 9 ? String(i + 1) : null,
        counted: c.counted,
      })),
    ];
    adoptStyles(this.ownerDocument, classes);
    this.ctx = {
      state: this.state,
      scheme,
      classes,
      classByCode: new Map(classes.map((c) => [c.code, c])),
      patchMicrons: card.input.patchMicrons,
      patchPx: card.input.width,
      bitmap: (frameId) => this.frameBitmaps.get(frameId),
      cellById: (id) => this.cellIndex.get(id),
      frameById: (id) => this.frameIndex.get(id),
      camOn: () => this.cam,
      select: (id, options) => this.select(id, options?.focus ?? false),
      selected: () => this.selectedId,
      reclassify: (id, to) => this.reclassifyCell(id, to),
    };
    this.store = await openSessionStore(this.getAttribute('session') ?? 'default').catch(() => undefined);
    const stored = await this.store?.load().catch(() => null);
    const model = this.modelRef();
    const foreign = stored ? foreignSessionReason(stored.state, model, scheme) : null;
    if (stored && foreign) this.foreign = { state: stored.state, reason: foreign };
    // A session saved before the model was recorded, whose classes fit, is this model's from now on.
    this.state = this.ctx.state = stored && !foreign ? { ...stored.state, model } : emptyState(model);
    // Frames still queued when the page went away never came back: failed frames now, said so below.
    // A signed review stays as signed (sign-off waits for every frame, so it has none pending).
    const interrupted = this.state.signOff ? [] : failPending(this.state, INTERRUPTED);
    this.indexState();
    this.nextFrameId = this.state.frames.reduce((max, frame) => Math.max(max, frame.id + 1), 0);
    this.toolbar.operator.value = this.state.operator;
    // The field shows the scale frames get: the session's, or for a new one the page's (?scale=, microns-per-pixel).
    const pageScale = Number(this.getAttribute('microns-per-pixel')) || undefined;
    if (this.state.scannerMicronsPerPixel === undefined && pageScale !== undefined && this.state.frames.length === 0)
      this.state.scannerMicronsPerPixel = pageScale;
    this.toolbar.scale.value = this.state.scannerMicronsPerPixel ? String(this.state.scannerMicronsPerPixel) : '';
    this.wireToolbar();
    if (!foreign) for (const [frameId, blob] of stored?.images ?? []) this.frameBitmaps.set(frameId, frameImage(blob));
    this.buildViews();
    this.refresh();
    if (interrupted.length > 0) {
      const n = interrupted.length;
      this.showStatus(
        `${n} frame${n === 1 ? ' was' : 's were'} not analyzed: the page was reloaded while ${n === 1 ? 'it' : 'they'} waited (marked failed; open ${n === 1 ? 'it' : 'them'} again)`,
      );
    }
    void this.runStream();
  }

  /** reviewRefusal, with the operator field marked when it is the name that is missing. */
  private reviewRefusal(): string | null {
    const refusal = reviewRefusal(this.state);
    if (refusal && !this.state.operator.trim()) this.toolbar.operator.setAttribute('aria-invalid', 'true');
    return refusal;
  }

  private keepScannerScale(): void {
    const scale = Number(this.toolbar.scale.value);
    if (scale > 0) this.state.scannerMicronsPerPixel = scale;
    else delete this.state.scannerMicronsPerPixel;
  }

  private modelRef(): ModelRef {
    return { id: this.scope!.card.id, version: this.scope!.card.version };
  }

  /** Why frames are not taken now, or null. */
  private frameRefusal(): string | null {
    if (this.foreign) return 'a stored review of another model is waiting: download or discard it first (see the notice)';
    if (this.streamStopped) return this.streamStopped;
    return changeRefusal(this.state);
  }

  private indexState(): void {
    this.cellIndex.clear();
    this.frameIndex.clear();
    for (const cell of this.state.cells) this.cellIndex.set(cell.id, cell);
    for (const frame of this.state.frames) this.frameIndex.set(frame.id, frame);
  }

  private buildViews(): void {
    const ctx = this.ctx;
    this.views = {
      overview: new OverviewView(ctx),
      gallery: new GalleryView(ctx),
      detail: new DetailView(ctx),
      differential: new DifferentialView(ctx),
      signOff: new SignOffView(() => this.signOff()),
      log: new LogView(),
    };
    const { overview, gallery, detail, differential, signOff, log } = this.views;
    const byFrame = cellsByFrame(this.state.cells);
    for (const frame of this.state.frames) overview.addFrame(frame, byFrame.get(frame.id) ?? []);
    gallery.addCells(this.state.cells);
    enableDrag(gallery.element, (id, code) => this.reclassifyCell(id, code));

    const tabs = [
      { id: 'overview', label: 'Overview', panel: overview.element },
      { id: 'gallery', label: 'Gallery', panel: gallery.element },
    ];
    const tabButtons = tabs.map((tab, i) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `ss-tab-${tab.id}`,
          'aria-controls': `ss-panel-${tab.id}`,
          'aria-selected': i === 0 ? 'true' : 'false',
          tabindex: i === 0 ? 0 : -1,
          'data-tab': tab.id,
        },
        tab.label,
      ),
    );
    const panels = tabs.map((tab, i) =>
      h(
        'div',
        { role: 'tabpanel', id: `ss-panel-${tab.id}`, 'aria-labelledby': `ss-tab-${tab.id}`, hidden: i !== 0, 'data-panel': tab.id },
        tab.id === 'overview' && this.foreign
          ? foreignSessionNotice(this.foreign.state, this.foreign.reason, {
              download: () => this.downloadForeign(),
              discard: () => void this.newSession().catch(() => undefined), // refusal shown
            })
          : null,
        tab.id === 'overview' && !this.foreign && this.state.frames.length === 0
          ? h(
              'p',
              { class: 'ss-drop-hint', 'data-role': 'drop-hint' },
              'Drop frames or a folder here, or use “Open frames”. Images stay on this machine.',
            )
          : null,
        tab.panel,
      ),
    );
    const tablist = h('div', { role: 'tablist', 'aria-label': 'Views' }, ...tabButtons);
    const tabRow = h('div', { class: 'ss-tabrow' }, tablist, this.toolbar.status);
    const showTab = (id: string) => {
      tabButtons.forEach((b) => {
        b.setAttribute('aria-selected', String(b.dataset.tab === id));
        b.tabIndex = b.dataset.tab === id ? 0 : -1;
      });
      panels.forEach((p) => (p.hidden = p.dataset.panel !== id));
    };
    tablist.addEventListener('click', (e) => {
      const b = (e.target as Element).closest<HTMLElement>('[data-tab]');
      if (b) showTab(b.dataset.tab!);
    });
    tablist.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      const i = tabButtons.findIndex((b) => b.getAttribute('aria-selected') === 'true');
      const next = tabButtons[(i + (e.key === 'ArrowRight' ? 1 : tabButtons.length - 1)) % tabButtons.length];
      showTab(next.dataset.tab!);
      next.focus();
    });

    const classBar = h(
      'footer',
      { class: 'ss-classbar', role: 'toolbar', 'aria-label': 'Reclassify the selected cell (or drag a cell onto a class)' },
      ...this.ctx.classes.map((info) =>
        h(
          'button',
          {
            type: 'button',
            'data-class-button': info.code,
            'data-drop-class': info.code,
            'aria-keyshortcuts': info.key ?? undefined,
            title: info.name,
          },
          info.key ? h('kbd', {}, info.key) : null,
          info.code === UNIDENTIFIED ? '?' : info.code,
          h('span', { class: 'ss-long' }, info.name),
        ),
      ),
      h('span', { class: 'ss-footnote' }, SCREENING_AID_SENTENCE),
    );
    classBar.addEventListener('click', (e) => {
      const b = (e.target as Element).closest<HTMLElement>('[data-class-button]');
      if (b && this.selectedId) this.reclassifyCell(this.selectedId, b.dataset.classButton!);
    });
    const printHeader = h('section', { class: 'ss-print-only', 'data-role': 'print-header' });
    const side = h(
      'aside',
      { class: 'ss-side', 'aria-label': 'Differential and sign-off' },
      printHeader,
      detail.element,
      differential.element,
      signOff.element,
      log.element,
    );
    const root = h(
      'div',
      { class: 'ss-root' },
      this.toolbar.element,
      h('div', { class: 'ss-main' }, h('section', { class: 'ss-views', 'aria-label': 'Frames and cells' }, tabRow, ...panels), side),
      classBar,
    );
    this.replaceChildren(root);
  }

  private wireToolbar(): void {
    const t = this.toolbar;
    const take = (input: HTMLInputElement) =>
      input.addEventListener('change', () => {
        const files = [...(input.files ?? [])];
        input.value = '';
        void this.analyze(files).catch((error: Error) => this.showStatus(error.message));
      });
    take(t.files);
    take(t.folder);
    t.operator.addEventListener('input', () => {
      this.state.operator = t.operator.value;
      t.operator.removeAttribute('aria-invalid');
      this.save();
    });
    // Kept with the session: frames added after a reload use it too (not silently estimated).
    t.scale.addEventListener('input', () => {
      this.keepScannerScale();
      this.save();
    });
    t.undo.addEventListener('click', () => this.undoLast());
    t.cam.addEventListener('click', () => {
      this.cam = !this.cam;
      t.cam.setAttribute('aria-pressed', String(this.cam));
      void this.views.gallery.redrawAll();
      void this.views.detail.render();
    });
    t.exportJson.addEventListener('click', () =>
      download(this.ownerDocument, `${this.fileStem()}.json`, 'application/json', JSON.stringify(this.exportRecord(), null, 2)),
    );
    t.exportCsv.addEventListener('click', () =>
      download(this.ownerDocument, `${this.fileStem()}.csv`, 'text/csv', cellsCsv(this.exportRecord())),
    );
    t.print.addEventListener('click', () => this.ownerDocument.defaultView?.print());
    // Frames still queued are lost by a reload or a closed tab: the browser asks first.
    this.ownerDocument.defaultView?.addEventListener('beforeunload', (event) => {
      if (this.analyzing === 0) return;
      event.preventDefault();
      event.returnValue = ''; // older Chromium asks only with returnValue set
    });
    this.ownerDocument.defaultView?.addEventListener('beforeprint', () => {
      this.views.log.element.open = true;
      this.renderPrintHeader();
    });
    onConfirmedClick(t.newSession, 'Discard this slide?', () => void this.newSession().catch(() => undefined)); // refusal shown
    this.addEventListener('keydown', (e) => {
      if (!isStationUndo(e)) return;
      e.preventDefault();
      this.undoLast();
    });
    this.addEventListener('dragover', (e) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      this.classList.add('ss-dragging-files');
    });
    this.addEventListener('dragleave', (e) => {
      if (e.target === this || !this.contains(e.relatedTarget as Node)) this.classList.remove('ss-dragging-files');
    });
    this.addEventListener('drop', (e) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      this.classList.remove('ss-dragging-files');
      void droppedFiles(e.dataTransfer)
        .then((files) => this.analyze(files))
        .catch((error: Error) => this.showStatus(error.message));
    });
  }

  /** One stream for the element's life: frames from every source are batched together. */
  private async runStream(): Promise<void> {
    const includeCam = Boolean(this.scope!.card.outputs.featureMap && this.scope!.card.outputs.classifier);
    try {
      for await (const result of this.scope!.analyzeStream(this.queue, { includeCam })) this.onResult(result);
    } catch (error) {
      const message = (error as Error).message;
      this.analyzing = 0;
      for (const job of this.jobs.splice(0)) {
        const label = settleFrame(this.state, job.frameId)?.label ?? `frame ${job.frameId + 1}`;
        if (this.state.signOff) job.done({ frameId: job.frameId, cells: 0, error: `analysis stopped: ${message}` });
        else job.done(this.addUnanalyzed(job.frameId, label, `ANALYSIS_STOPPED: ${message}`));
      }
      this.showStatus(`analysis stopped: ${message}`);
      // Nothing reads the queue any more: later frames are refused, not left waiting forever.
      this.streamStopped = `analysis stopped (${message}); reload the page to analyze more frames`;
    }
  }

  private onResult(result: FrameResult): void {
    const job = this.jobs.shift()!;
    this.analyzing--;
    settleFrame(this.state, job.frameId);
    if (this.state.signOff) {
      // Signed while this frame was on its way: the signed review stays as signed.
      job.done({ frameId: job.frameId, cells: 0, error: 'the review was signed off before this frame was analyzed; not added' });
      return;
    }
    // The image is stored before the state that shows its frame (one write chain): a reload in
    // between must not leave a frame whose overview and crops can never be drawn.
    this.saving = this.saving.then(async () => this.store?.saveImage(job.frameId, await job.image.blob())).catch(() => undefined);
    const cells = addFrameResult(this.state, job.frameId, result);
    job.done(this.showNewFrame(this.state.frames[this.state.frames.length - 1], cells));
  }

  /** Shows a frame that never reached the SDK as a failed one (counted, and acknowledged at sign-off). */
  private addUnanalyzed(frameId: number, label: string, error: string): AddedFrame {
    return this.showNewFrame(addFailedFrame(this.state, frameId, label, error), []);
  }

  /** Puts a frame just added to the state, and its cells, on screen; tells the host. */
  private showNewFrame(frame: ReviewFrame, cells: ReviewCell[]): AddedFrame {
    this.frameIndex.set(frame.id, frame);
    for (const cell of cells) this.cellIndex.set(cell.id, cell);
    this.views.overview.addFrame(frame, cells);
    this.views.gallery.addCells(cells);
    this.querySelector('[data-role=drop-hint]')?.remove();
    this.refresh();
    this.dispatchEvent(new CustomEvent('smearscope-frame', { detail: { frameId: frame.id, cells: cells.length, error: frame.error } }));
    return { frameId: frame.id, cells: cells.length, ...(frame.error ? { error: frame.error } : {}) };
  }

  private select(id: string, focus: boolean): void {
    this.selectedId = id;
    this.views.gallery.setSelected(id, focus);
    this.views.overview.setSelected(id);
    void this.views.detail.render();
  }

  private reclassifyCell(id: string, to: string): void {
    const refusal = this.reviewRefusal();
    if (refusal) return this.showStatus(`Not changed: ${refusal}`);
    const focusInGallery = this.views.gallery.element.contains(this.ownerDocument.activeElement);
    const neighbour = this.views.gallery.neighbour(id);
    const group = this.views.gallery.groupName(id);
    const cell = this.ctx.cellById(id)!;
    const from = cell.currentClass;
    if (!reclassify(this.state, id, to, new Date())) return;
    this.afterChange(cell);
    // Keyboard review goes on with the cell that took this one's place, as on an analyzer; at the
    // group's end it stays on this cell (a repeated key changes nothing) and says so.
    const end = focusInGallery && !neighbour ? ` — no more cells in “${group}”; focus stays on this cell` : '';
    this.showStatus(`Cell ${id}: ${from} → ${to}${end}`);
    if (focusInGallery) this.select(neighbour ?? id, true);
  }

  private undoLast(): void {
    const refusal = this.reviewRefusal();
    if (refusal) return this.showStatus(`Not undone: ${refusal}`);
    const id = undo(this.state, new Date());
    if (!id) return this.showStatus(changeRefusal(this.state) ?? 'Nothing to undo');
    const cell = this.ctx.cellById(id)!;
    this.afterChange(cell);
    this.select(id, this.views.gallery.element.contains(this.ownerDocument.activeElement));
    this.showStatus(`Undone: cell ${id} is ${cell.currentClass} again`);
  }

  private afterChange(cell: ReviewCell): void {
    this.views.gallery.moveCell(cell);
    this.views.overview.update(cell);
    if (this.selectedId === cell.id) void this.views.detail.render();
    this.refresh();
  }

  private signOff(): void {
    const answer = signOffReview(this.state, this.currentReport(), this.views.signOff.reason.value, new Date());
    if (!answer.accepted) return this.views.signOff.refuse(answer.reason);
    this.refresh();
    this.dispatchEvent(new CustomEvent('smearscope-signoff', { detail: this.exportRecord() }));
  }

  private currentReport(): DifferentialReport {
    return (this.report = reviewedDifferential(this.state, this.ctx.scheme, this.targetCount()));
  }

  private targetCount(): number {
    const target = Number(this.getAttribute('target-count'));
    return Number.isInteger(target) && target > 0 ? target : DEFAULT_TARGET;
  }

  /** Recomputes everything derived from the state and saves it. */
  private refresh(): void {
    const report = this.currentReport();
    this.views.differential.render(report);
    this.views.signOff.render(signOffBlockers(this.state, report), this.state.signOff);
    this.views.log.render(this.state.log);
    this.toolbar.undo.disabled = this.state.undoStack.length === 0 || this.state.signOff !== null;
    this.showStatus();
    this.save();
    this.dispatchEvent(new CustomEvent('smearscope-change', { detail: { report } }));
  }

  private showStatus(message?: string): void {
    if (!this.scope) return;
    const cells = this.state.cells.length;
    const base =
      `${this.scope.card.id} on ${this.scope.backend} · ${frameCount(this.state)} · ${countOf(cells, 'cell')}` +
      (this.analyzing ? ` · analyzing ${this.analyzing}…` : '');
    this.toolbar.status.textContent = message ? `${message} — ${base}` : base;
  }

  private renderPrintHeader(): void {
    const header = this.querySelector('[data-role=print-header]');
    if (!header) return;
    const s = this.state.signOff;
    header.replaceChildren(
      h('h1', {}, 'smearscope review report'),
      h(
        'p',
        {},
        `Printed ${localTime(new Date().toISOString())} · model ${this.scope!.card.id} ${this.scope!.card.version} · ${frameCount(this.state)} · ${countOf(this.state.cells.length, 'cell')}`,
      ),
      h(
        'p',
        {},
        s ? `Signed off by ${s.by} at ${localTime(s.at)}${s.overrideReason ? ` (override: ${s.overrideReason})` : ''}` : 'NOT SIGNED OFF',
      ),
      h('p', {}, h('strong', {}, SCREENING_AID_SENTENCE)),
    );
  }

  private downloadForeign(): void {
    const { state, reason } = this.foreign!;
    const record = storedSessionExport(state, reason, new Date());
    download(
      this.ownerDocument,
      `${this.fileStem()}-${state.model?.id ?? 'unknown-model'}.json`,
      'application/json',
      JSON.stringify(record, null, 2),
    );
  }

  /** Saves after the previous save finished (IndexedDB writes in order, never two at once). Not
   * while a stored session of another model waits: that one stays as stored until discarded. */
  private save(): void {
    if (this.foreign) return;
    const snapshot = structuredClone(this.state);
    this.saving = this.saving
      .then(() => this.store?.saveState(snapshot))
      .catch((error: Error) => this.showStatus(`not saved: ${error.message}`));
  }

  /** Resolves when every change so far is in IndexedDB (tests and hosts that close the page). */
  saved(): Promise<void> {
    return this.saving;
  }

  private fileStem(): string {
    return `smearscope-review-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}`;
  }
}

/** Registers <smearscope-review> once (a second bundle on the page keeps the first definition). */
export function defineSmearscopeReview(): void {
  if (!customElements.get('smearscope-review')) customElements.define('smearscope-review', SmearscopeReview);
}
