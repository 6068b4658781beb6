// The notice shown instead of a stored session that belongs to another model: what it is, why it
// is not opened, and the two ways on (keep it as a file, or discard it for a new slide). Until
// then the station takes no frames, so the stored review is never overwritten unseen.
import { onConfirmedClick } from './confirm-button.js';
import { h } from './dom.js';
import { frameCount, type ReviewState } from './review-state.js';
import { countOf } from './words.js';

export function foreignSessionNotice(
  stored: ReviewState,
  reason: string,
  actions: { download: () => void; discard: () => void },
): HTMLElement {
  const download = h('button', { type: 'button', 'data-action': 'download-stored-session' }, 'Download it (JSON)');
  const discard = h('button', { type: 'button', 'data-action': 'discard-stored-session' }, 'Discard it and start a new slide');
  download.addEventListener('click', actions.download);
  onConfirmedClick(discard, 'Discard the stored review?', actions.discard);
  const what =
    `${frameCount(stored)}, ` +
    `${countOf(stored.cells.length, 'cell')}, ${countOf(stored.log.length, 'change')} logged, ` +
    (stored.signOff ? `signed off by ${stored.signOff.by}` : 'not signed off');
  return h(
    'div',
    { class: 'ss-notice', role: 'alert', 'data-role': 'foreign-session' },
    h('h2', {}, 'A stored review was not opened'),
    h(
      'p',
      {},
      `This station holds a review (${what}) that cannot be shown here: ${reason}. Its cells were classified by that model, so this model cannot count them.`,
    ),
    h(
      'p',
      {},
      'Open the station with that model to go on with it, or keep it as a file and start a new slide. No frames are taken until then.',
    ),
    h('p', { class: 'ss-notice-actions' }, download, discard),
  );
}
