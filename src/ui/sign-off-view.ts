// The sign-off panel: what still blocks it, a typed override reason, the button, the answer.
import { h, localTime, replace } from './dom.js';
import type { SignOff } from './review-state.js';

export class SignOffView {
  readonly element: HTMLElement;
  readonly reason: HTMLTextAreaElement;
  readonly button: HTMLButtonElement;
  private readonly blockers: HTMLElement;
  private readonly answer: HTMLElement;

  constructor(onSignOff: () => void) {
    this.reason = h('textarea', { id: 'ss-reason', rows: 2, 'data-role': 'override-reason' });
    this.button = h('button', { type: 'button', class: 'ss-primary', 'data-action': 'sign-off' }, 'Sign off');
    this.button.addEventListener('click', onSignOff);
    this.blockers = h('ul', { class: 'ss-blockers', 'aria-label': 'What blocks the sign-off' });
    this.answer = h('p', { class: 'ss-answer', role: 'alert', 'data-role': 'sign-off-answer' });
    this.element = h('section', { class: 'ss-signoff', 'aria-labelledby': 'ss-signoff-title' },
      h('h2', { id: 'ss-signoff-title' }, 'Sign-off'),
      this.blockers,
      h('label', { for: 'ss-reason' }, 'Reason to sign an incomplete review (typed, kept in the log)'),
      this.reason, this.button, this.answer);
  }

  render(blockers: string[], signOff: SignOff | null): void {
    replace(this.blockers, ...(signOff ? [] : blockers.map((b) => h('li', {}, `✗ ${b}`))), !signOff && blockers.length === 0 ? h('li', {}, '✓ review complete') : null);
    this.button.disabled = signOff !== null;
    this.reason.disabled = signOff !== null;
    if (signOff) {
      this.element.dataset.signed = 'true';
      this.answer.textContent = `Signed off by ${signOff.by} at ${localTime(signOff.at)}` +
        (signOff.overrideReason ? ` with blockers overridden (${signOff.overridden.join('; ')}): "${signOff.overrideReason}"` : '');
    } else {
      delete this.element.dataset.signed;
    }
  }

  refuse(reason: string): void {
    this.answer.textContent = `Sign-off refused: ${reason}`;
  }
}
