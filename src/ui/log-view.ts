// The audit log, newest first: every change with cell, from, to, when and who.
import { h, localTime, replace } from './dom.js';
import type { AuditEntry } from './review-state.js';

export class LogView {
  readonly element: HTMLDetailsElement;
  private readonly summary: HTMLElement;
  private readonly body: HTMLElement;

  constructor() {
    this.summary = h('summary', {});
    this.body = h('tbody', {});
    this.element = h('details', { class: 'ss-log' }, this.summary,
      h('table', { class: 'ss-table', 'data-role': 'audit-log' },
        h('thead', {}, h('tr', {}, ...['When', 'Who', 'Action', 'Cell', 'From', 'To'].map((t) => h('th', { scope: 'col' }, t)))),
        this.body));
  }

  render(log: readonly AuditEntry[]): void {
    this.summary.textContent = `Audit log (${log.length} entr${log.length === 1 ? 'y' : 'ies'})`;
    replace(this.body, ...[...log].reverse().map((entry) =>
      h('tr', {},
        h('td', {}, localTime(entry.at)),
        h('td', {}, entry.by),
        h('td', {}, entry.action + (entry.reason ? `: ${entry.reason}` : '')),
        h('td', {}, entry.cell ?? ''),
        h('td', {}, entry.from ?? ''),
        h('td', {}, entry.to ?? ''))));
  }
}
