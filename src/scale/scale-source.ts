/**
 * Where a frame's micronsPerPixel came from: 'given' by the frame itself or the analyze options,
 * 'frame' estimated from the frame's own erythrocytes. A union, so another source (a run-level
 * calibration) is one more member.
 */
export type ScaleSource = 'given' | 'frame';
