// The review station for vendors: `import 'smearscope/ui'` (dist/ui/review.js) registers
// <smearscope-review>; feed it with el.addFrame(frame) or el.analyze(files).
import { defineSmearscopeReview } from './review-element.js';

export { SmearscopeReview, type AddedFrame } from './review-element.js';
export type { ReviewExport } from './exports.js';
export { defineSmearscopeReview };

defineSmearscopeReview();
