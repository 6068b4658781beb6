// The kiosk page (served at / by `smearscope serve`): the station full screen, options from the
// address (?backend=wasm&target=200&session=bench&model=/models/x.json), and frames from the host
// page or firmware shell by postMessage from the same origin:
//   { type: 'smearscope-frame', frame }   frame: { width, height, channels, pixels, ... } or { encoded, label }
// Each is answered with { type: 'smearscope-frame-added', frameId, cells, error? }; a sign-off is
// posted to the parent/opener as { type: 'smearscope-signoff', record }.
import { type SmearscopeReview, defineSmearscopeReview } from './index.js';
import { isStationUndo } from './undo-key.js';

defineSmearscopeReview();
const params = new URLSearchParams(location.search);
const station = document.createElement('smearscope-review') as SmearscopeReview;
for (const [param, attribute] of [
  ['backend', 'backend'],
  ['target', 'target-count'],
  ['session', 'session'],
  ['model', 'model'],
  ['workers', 'workers'],
  ['scale', 'microns-per-pixel'],
]) {
  const value = params.get(param);
  if (value) station.setAttribute(attribute, value);
}
document.body.append(station);

// The station is the whole page: Ctrl+Z is its Undo wherever the focus is, also on the page itself
// (after a click on a part of the station that takes no focus). Inside, the element handles it.
document.addEventListener('keydown', (event) => {
  if (station.contains(event.target as Node) || !isStationUndo(event)) return;
  event.preventDefault();
  station.undo();
});

window.addEventListener('message', (event: MessageEvent) => {
  if (event.origin !== location.origin || event.data?.type !== 'smearscope-frame') return;
  const reply = (message: object) => (event.source as WindowProxy | null)?.postMessage(message, { targetOrigin: location.origin });
  station.addFrame(event.data.frame).then(
    (added) => reply({ type: 'smearscope-frame-added', ...added }),
    (error: Error) => reply({ type: 'smearscope-frame-added', error: error.message }),
  );
});

station.addEventListener('smearscope-signoff', (event) => {
  const host = window.parent !== window ? window.parent : window.opener;
  (host as Window | null)?.postMessage({ type: 'smearscope-signoff', record: (event as CustomEvent).detail }, location.origin);
});
