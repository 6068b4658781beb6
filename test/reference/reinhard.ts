// Plain float64 reference of the Reinhard colour transfer in CIE L*a*b*, following skimage's
// rgb2lab / lab2rgb (sRGB, D65) formula by formula; the XYZ -> RGB matrix is inverted here rather
// than copied. Tests and benchmarks only.

import type { Frame } from '../../src/frame.js';

export interface ReferenceReinhardFit {
  labMean: [number, number, number];
  labStd: [number, number, number];
}

const XYZ_FROM_RGB = [
  [0.412453, 0.35758, 0.180423],
  [0.212671, 0.71516, 0.072169],
  [0.019334, 0.119193, 0.950227],
];
const WHITE = [0.95047, 1.0, 1.08883];
const RGB_FROM_XYZ = invert3(XYZ_FROM_RGB);

export function referenceRgbToLab(r: number, g: number, b: number): [number, number, number] {
  const linear = [r, g, b].map((v) => {
    const c = v / 255;
    return c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92;
  });
  const f = XYZ_FROM_RGB.map((row, i) => {
    const t = (row[0] * linear[0] + row[1] * linear[1] + row[2] * linear[2]) / WHITE[i];
    return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
  });
  return [116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])];
}

export function referenceLabToRgb(L: number, a: number, b: number): [number, number, number] {
  const fy = (L + 16) / 116;
  const f = [a / 500 + fy, fy, Math.max(fy - b / 200, 0)];
  const xyz = f.map((t, i) => (t > 0.2068966 ? t ** 3 : (t - 16 / 116) / 7.787) * WHITE[i]);
  const rgb = RGB_FROM_XYZ.map((row) => {
    const linear = row[0] * xyz[0] + row[1] * xyz[1] + row[2] * xyz[2];
    const encoded = linear > 0.0031308 ? 1.055 * linear ** (1 / 2.4) - 0.055 : 12.92 * linear;
    return Math.round(Math.min(Math.max(encoded, 0), 1) * 255);
  });
  return rgb as [number, number, number];
}

export function referenceReinhardFit(frame: Frame, pixelStride = 1): ReferenceReinhardFit {
  const labs: number[][] = [];
  for (let y = 0; y < frame.height; y += pixelStride) {
    for (let x = 0; x < frame.width; x += pixelStride) {
      const i = (y * frame.width + x) * frame.channels;
      labs.push(referenceRgbToLab(frame.pixels[i], frame.pixels[i + 1], frame.pixels[i + 2]));
    }
  }
  const mean = [0, 1, 2].map((c) => labs.reduce((s, lab) => s + lab[c], 0) / labs.length);
  const std = [0, 1, 2].map((c) => Math.sqrt(labs.reduce((s, lab) => s + (lab[c] - mean[c]) ** 2, 0) / labs.length));
  return { labMean: mean as [number, number, number], labStd: std as [number, number, number] };
}

export function referenceReinhardApply(frame: Frame, source: ReferenceReinhardFit, reference: ReferenceReinhardFit): Uint8Array {
  const out = new Uint8Array(frame.pixels.length);
  for (let i = 0; i < frame.width * frame.height; i++) {
    const at = i * frame.channels;
    const lab = referenceRgbToLab(frame.pixels[at], frame.pixels[at + 1], frame.pixels[at + 2]);
    const mapped = lab.map((v, c) => ((v - source.labMean[c]) / source.labStd[c]) * reference.labStd[c] + reference.labMean[c]);
    const rgb = referenceLabToRgb(mapped[0], mapped[1], mapped[2]);
    out.set(rgb, at);
    if (frame.channels === 4) out[at + 3] = frame.pixels[at + 3];
  }
  return out;
}

function invert3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const determinant = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / determinant, (c * h - b * i) / determinant, (b * f - c * e) / determinant],
    [(f * g - d * i) / determinant, (a * i - c * g) / determinant, (c * d - a * f) / determinant],
    [(d * h - e * g) / determinant, (b * g - a * h) / determinant, (a * e - b * d) / determinant],
  ];
}
