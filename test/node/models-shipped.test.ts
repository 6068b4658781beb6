import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkMappingTargets, getScheme, resolveScheme, validateScheme } from '../../src/clinical/schemes.js';
import type { ClassScheme } from '../../src/clinical/scheme-types.js';
import { parseClassMap } from '../../src/cli/eval.js';
import { validateModelCard } from '../../src/inference/model-card.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import { boxesInImageSet, parseBccdBoxes, scoreBccd } from '../../scripts/validate/bccd.mjs';
import { createScope } from '../../dist/node/index.js';
import { tinyModel } from '../support/tiny-model.js';

const run = promisify(execFile);
const cli = (args: string[]): Promise<{ stdout: string; stderr: string; code?: number }> =>
  run('node', ['bin/smearscope.js', ...args], { maxBuffer: 64 * 2 ** 20 }).catch(
    (error) => error as { stdout: string; stderr: string; code: number },
  );
const readCard = (id: string): ModelCard => JSON.parse(readFileSync(`models/${id}.json`, 'utf8'));
const PBC = '../shared/data/pbc-8';
const MARROW = '../shared/data/bm-matek-7';
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));

describe('scheme peripheral-blood-pbc-8', () => {
  const scheme = getScheme('peripheral-blood-pbc-8');

  it('maps every code onto peripheral-blood-aml-15, whose codes it reuses where one exists', () => {
    const target = new Set(getScheme('peripheral-blood-aml-15').classes.map((c) => c.code));
    for (const code of ['NGS', 'EOS', 'BAS', 'LYT', 'MON', 'EBO']) expect(target.has(code)).toBe(true);
    expect(target.has('IG')).toBe(false);
    expect(scheme.mapsTo?.scheme).toBe('peripheral-blood-aml-15');
    expect(Object.keys(scheme.mapsTo!.codes).sort()).toEqual(scheme.classes.map((c) => c.code).sort());
    expect(scheme.mapsTo!.codes.IG).toEqual(['PMO', 'PMB', 'MYB', 'MMZ']);
    expect(scheme.mapsTo!.codes.PLT).toEqual([]);
  });

  it('rejects a mapping that misses a code, names an unknown code, or an unknown target scheme', () => {
    const missing = copy(scheme) as ClassScheme;
    delete (missing.mapsTo!.codes as Record<string, string[]>).PLT;
    expect(() => validateScheme(missing, 'copy')).toThrow(/mapsTo\.codes\.PLT/);
    const unknownTarget = copy(scheme) as ClassScheme;
    unknownTarget.mapsTo!.codes.IG = ['PMO', 'XYZ'];
    expect(() =>
      checkMappingTargets(
        new Map([
          [scheme.id, unknownTarget],
          ['peripheral-blood-aml-15', getScheme('peripheral-blood-aml-15')],
        ]),
      ),
    ).toThrow(/XYZ/);
    const noScheme = copy(scheme) as ClassScheme;
    noScheme.mapsTo!.scheme = 'nowhere-3';
    expect(() => checkMappingTargets(new Map([[scheme.id, noScheme]]))).toThrow(/unknown scheme "nowhere-3"/);
  });

  it('resolved for the shipped card: no blast class, EBO and PLT outside the differential', () => {
    const resolved = resolveScheme(readCard('pb8-resnet10g'));
    expect(resolved.blastIndices).toEqual([]);
    const counted = resolved.classes
      .filter((_, i) => resolved.counted[i])
      .map((c) => c.code)
      .sort();
    expect(counted).toEqual(['BAS', 'EOS', 'IG', 'LYT', 'MON', 'NGS']);
  });
});

describe('shipped cards of the cross-lab recipe', () => {
  for (const id of ['pb8-resnet10g', 'pb8-resnet10gc', 'bm7-resnet10g', 'bm7-resnet10gn']) {
    it(`${id}: valid, edge-sized, with provenance, held-out figures and a stain-normalization choice`, () => {
      const card = validateModelCard(readCard(id), id);
      expect(card.parameters!).toBeLessThanOrEqual(2_000_000);
      expect(card.flopsPerCell!).toBeLessThanOrEqual(400e6);
      expect(typeof card.stainNormalization).toBe('boolean');
      expect(card.provenance.trained).toBe(true);
      expect(card.provenance.licence).toBe('CC BY 4.0');
      const metrics = card.provenance.metrics!;
      expect(Object.values(metrics.perClass).reduce((n, m) => n + m.support, 0)).toBeGreaterThan(500);
      // Balanced accuracy is the mean recall: the card must agree with itself.
      const recalls = Object.values(metrics.perClass).map((m) => m.recall);
      expect(metrics.balancedAccuracy).toBeCloseTo(recalls.reduce((a, b) => a + b, 0) / recalls.length, 3);
    });
  }

  it('the peripheral-blood cards meet their held-out goal (>= 0.95 balanced accuracy)', () => {
    for (const id of ['pb8-resnet10g', 'pb8-resnet10gc']) {
      expect(readCard(id).provenance.metrics!.balancedAccuracy).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('the camera fine-tune names the checkpoint it started from and how to reproduce it', () => {
    const notes = readCard('pb8-resnet10gc').provenance.notes!;
    expect(notes).toMatch(/Fine-tuned from \S+\.pt \(150 epochs from scratch/);
    expect(notes).toMatch(/Reproduce: .*--init-from \S+\.pt .*--camera/);
  });

  it('the marrow fine-tune names the shipped model it started from, its plain views and how to reproduce it', () => {
    const card = readCard('bm7-resnet10gn');
    const notes = card.provenance.notes!;
    expect(notes).toMatch(/Fine-tuned from bm7-resnet10g\.pt \(150 epochs from scratch/);
    expect(notes).toMatch(/Macenko normalization to stainReference on a random 0% of views/);
    expect(notes).toMatch(/Reproduce: .*--init-from bm7-resnet10g\.pt .*--normalize-probability 0\.0 --arch resnet10gn/);
    // Trained without normalized views, so its card must not ask for normalization.
    expect(card.stainNormalization).toBe(false);
  });

  it('rejects a non-boolean stainNormalization and stainNormalization: true without a reference', () => {
    const card = readCard('pb8-resnet10g') as unknown as Record<string, unknown>;
    expect(() => validateModelCard({ ...card, stainNormalization: 'yes' })).toThrow(/stainNormalization must be true or false/);
    const { stainReference: _dropped, ...withoutReference } = card;
    expect(() => validateModelCard({ ...withoutReference, stainNormalization: true })).toThrow(/needs a stainReference/);
    expect(validateModelCard({ ...withoutReference, stainNormalization: false }).stainNormalization).toBe(false);
  });
});

describe('eval --classes', () => {
  it('parses FOLDER=CODE pairs and rejects malformed or repeated ones', () => {
    expect([...parseClassMap('neutrophil=NGS, ig=IG,platelet=-')]).toEqual([
      ['neutrophil', 'NGS'],
      ['ig', 'IG'],
      ['platelet', '-'],
    ]);
    expect(parseClassMap(undefined).size).toBe(0);
    expect(() => parseClassMap('neutrophil')).toThrow(/not FOLDER=CODE/);
    expect(() => parseClassMap('a=NGS,a=EOS')).toThrow(/twice/);
  });
});

describe('BCCD end-to-end scoring (scripts/validate/bccd.mjs)', () => {
  it('keeps the one-leukocyte frames with one of the 4 subtypes', () => {
    const boxes = parseBccdBoxes(readFileSync('../shared/data/bccd/wbc_boxes_with_subtype.csv', 'utf8'));
    const count = (code: string) => boxes.filter((b: { code: string }) => b.code === code).length;
    expect([count('NGS'), count('EOS'), count('LYT'), count('MON')]).toEqual([202, 84, 33, 20]);
  });

  it("keeps the boxes of an ImageSets list's frames (BCCD's test split: 63 scored frames)", () => {
    const boxes = parseBccdBoxes(readFileSync('../shared/data/bccd/wbc_boxes_with_subtype.csv', 'utf8'));
    const test = boxesInImageSet(boxes, readFileSync('../shared/data/bccd/ImageSets/Main/test.txt', 'utf8'));
    expect(test.length).toBe(63);
    const listed = [{ image: 'BloodImage_00007.jpg', box: [0, 0, 1, 1], code: 'NGS' }];
    expect(boxesInImageSet([...listed, { image: 'BloodImage_00070.jpg', box: [0, 0, 1, 1], code: 'EOS' }], 'BloodImage_00007\n')).toEqual(
      listed,
    );
  });

  it('takes the located cell nearest the box centre, and a frame without one as missed', () => {
    const boxes = [
      { image: 'a.jpg', box: [0, 0, 100, 100], code: 'NGS' },
      { image: 'b.jpg', box: [0, 0, 100, 100], code: 'LYT' },
      { image: 'c.jpg', box: [0, 0, 100, 100], code: 'EOS' },
    ];
    const report = {
      frames: [
        {
          file: 'dir/a.jpg',
          cells: [
            { x: 10, y: 10, class: 'EOS' },
            { x: 52, y: 48, class: 'NGS' },
            { x: 300, y: 50, class: 'MON' },
          ],
        },
        { file: 'dir/b.jpg', cells: [{ x: 150, y: 50, class: 'LYT' }] },
        { file: 'dir/c.jpg', cells: [{ x: 50, y: 50, class: 'PLT' }] },
      ],
    };
    const score = scoreBccd(report, boxes);
    expect(score.located).toBe(2);
    expect(score.confusion).toEqual({ NGS: { NGS: 1 }, LYT: { missed: 1 }, EOS: { PLT: 1 } });
    expect(score.perClass.NGS.recall).toBe(1);
    expect(score.perClass.MON.recall).toBeNull();
    expect(score.balancedAccuracy).toBeCloseTo(1 / 3, 10);
  });
});

// Generous bounds: each CLI run starts Node and ONNX Runtime, which takes minutes on a crowded 2-core machine.
describe('CLI: models, --model <id>, eval flags', { timeout: 900_000 }, () => {
  it('smearscope models lists the shipped models with scheme, size and held-out figures', async () => {
    const { stdout } = await cli(['models', '--json']);
    const rows = JSON.parse(stdout) as Array<Record<string, any>>;
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['pb8-resnet10g', 'bm7-resnet10g', 'bm7-resnet10s']));
    const pb = rows.find((r) => r.id === 'pb8-resnet10g')!;
    expect(pb.scheme).toBe('peripheral-blood-pbc-8');
    expect(pb.classes).toEqual(readCard('pb8-resnet10g').classes);
    expect(pb.mflopsPerCell).toBeGreaterThan(0);
    expect(pb.heldOut.balancedAccuracy).toBe(readCard('pb8-resnet10g').provenance.metrics!.balancedAccuracy);
    expect(rows.filter((r) => r.default).map((r) => r.id)).toEqual(['bm7-resnet10s']);
    const text = (await cli(['models'])).stdout;
    expect(text).toContain('pb8-resnet10g');
    expect(text).toContain('(default)');
  });

  it('--model with an unknown id fails and lists the shipped ids', async () => {
    const result = await cli(['eval', PBC, '--model', 'no-such-model']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/INVALID_ARGUMENT.*no-such-model.*pb8-resnet10g/);
  });

  it('eval maps folders with --classes, cuts crops at --microns-per-pixel and honours --stain-normalization', async () => {
    // One cell of each of three PBC folders, named as PBC names them.
    const dir = mkdtempSync(join(tmpdir(), 'smearscope-pbc-'));
    for (const folder of ['neutrophil', 'eosinophil', 'platelet']) {
      mkdirSync(join(dir, folder));
      for (const name of readdirSync(join(PBC, folder)).sort().slice(0, 1)) copyFileSync(join(PBC, folder, name), join(dir, folder, name));
    }
    const classes = 'neutrophil=NGS,eosinophil=EOS,platelet=PLT';
    const base = ['eval', dir, '--model', 'pb8-resnet10g', '--classes', classes, '--backend', 'wasm', '--json'];
    const off = JSON.parse((await cli([...base, '--microns-per-pixel', '0.102', '--stain-normalization', 'off'])).stdout);
    expect(off.images).toBe(3);
    expect(off.micronsPerPixel).toBe(0.102);
    expect(off.stainNormalization).toEqual({ on: false, normalizedImages: 0 });
    expect(off.perClass.NGS.support).toBe(1);
    expect(off.perClass.PLT.support).toBe(1);
    const on = JSON.parse((await cli([...base, '--microns-per-pixel', '0.102', '--stain-normalization', 'on'])).stdout);
    expect(on.stainNormalization).toEqual({ on: true, normalizedImages: 3 });
    // Without --classes the folders are not the model's codes: nothing to evaluate.
    const unmapped = await cli(['eval', dir, '--model', 'pb8-resnet10g', '--backend', 'wasm']);
    expect(unmapped.code).toBe(2);
    expect(unmapped.stderr).toMatch(/no images of the model's classes/);
    const bad = await cli([...base, '--stain-normalization', 'maybe']);
    expect(bad.stderr).toMatch(/--stain-normalization must be one of on, off/);
  });

  it("eval runs a card's fixed batch when --batch is not given (it passed 32 and failed MODEL_MISMATCH)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smearscope-fixed-batch-'));
    const { card, onnx } = tinyModel({ batch: 1 });
    writeFileSync(join(dir, 'tiny.onnx'), onnx);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(card));
    const crops = join(dir, 'crops');
    for (const code of ['LYT', 'NGS']) {
      mkdirSync(join(crops, code), { recursive: true });
      for (const name of readdirSync(join(MARROW, code)).sort().slice(0, 2))
        copyFileSync(join(MARROW, code, name), join(crops, code, name));
    }
    const result = await cli(['eval', crops, '--model', join(dir, 'tiny.json'), '--backend', 'wasm', '--json']);
    expect(result.code ?? 0, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).images).toBe(4);
  }, 120_000);
});

describe('single-cell patches at a given scale', { timeout: 900_000 }, () => {
  it("cut the card's patchMicrons around the centre instead of stretching the whole crop", async () => {
    const scope = await createScope({ model: 'models/pb8-resnet10g.json', backend: 'wasm', workers: 1, batchSize: 1 });
    try {
      const file = join(PBC, 'neutrophil', readdirSync(join(PBC, 'neutrophil')).sort()[0]);
      const encoded = new Uint8Array(readFileSync(file));
      const probs = async (micronsPerPixel?: number) => {
        const result = await scope.analyzeFrame({ encoded, ...(micronsPerPixel ? { micronsPerPixel } : {}) }, { singleCell: true });
        return { probs: result.cells[0].decision!.probs, width: result.width, height: result.height };
      };
      const stretched = await probs();
      // The scale at which the card's window is exactly the crop's longer side: the same patch.
      const same = await probs(readCard('pb8-resnet10g').input.patchMicrons / Math.max(stretched.width, stretched.height));
      const physical = await probs(0.102);
      const gap = (a: Record<string, number>, b: Record<string, number>) => Math.max(...Object.keys(a).map((k) => Math.abs(a[k] - b[k])));
      expect(gap(same.probs, stretched.probs)).toBeLessThan(1e-6);
      expect(gap(physical.probs, stretched.probs)).toBeGreaterThan(1e-3);
      expect(physical.probs.NGS).toBeGreaterThan(0.5);
    } finally {
      await scope.dispose();
    }
  });
});
