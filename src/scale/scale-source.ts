/**
 * Where a frame's micronsPerPixel came from: 'given' by the frame itself or the analyze options,
 * 'frame' estimated from the frame's own erythrocytes, 'run' the run's calibration (the median of
 * the confident estimates of the frames before it), for a frame without a confident estimate.
 */
export type ScaleSource = 'given' | 'frame' | 'run';
