import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateClassifier, rocCurve } from '../clinical/metrics.js';
import { SmearscopeError } from '../errors.js';
import type { EncodedFrame } from '../frame.js';
import { DTYPE_CHOICES } from '../inference/dtype.js';
import { ignoredCardFieldsNote } from '../inference/model-card.js';
import { createScope } from '../scope.js';
import { onOff, oneOf, positiveNumber } from './parse-options.js';

export const EVAL_HELP = `Usage: smearscope eval <dir> [options]

Classifies single-cell images (no localization: each image is one centred cell, as in the
training data) found in <dir>/<CLASS>/*.{jpg,png,tif}, one folder per class code of the model,
and prints the confusion matrix (rows = truth, row-normalized), per-class precision and recall
(strict, and tolerant as in Matek et al. 2021 Table 1), and balanced accuracy.

Options:
  --model <card.json | id>  model card, or a shipped model's id ('smearscope models'; default: the
                        shipped bone-marrow model)
  --backend <name>      auto | wasm | native (default auto)
  --list <file>         only the images listed there, one "FOLDER/file" per line
                        (e.g. models/train/holdout.txt, the held-out split of the shipped model)
  --classes <F=CODE,...>  folders named otherwise than the model's codes: FOLDER=CODE pairs, e.g.
                        neutrophil=NGS,lymphocyte=LYT (folders not named are taken as codes;
                        a folder mapped to - is skipped)
  --microns-per-pixel <x>  the crops' pixel size: each crop's centre is cut at the card's
                        patchMicrons (x microns per pixel) and resampled, as on a full frame,
                        instead of stretching the whole crop to the model input
  --stain-normalization <on|off>  normalize to the card's stain reference (default: the card's choice)
  --batch <n>           cells per inference run (default: the card's fixed batch, else 8, as analyze)
  --dtype <auto|fp32|fp16>  the model's float32 graph or its card's float16 one (default auto:
                        fp32 on wasm and native)
  --per-cell            with --json: also "cells": [{ image, truth, predicted, probs }] in list order
  --json                print { model, stainNormalization: { on, normalizedImages }, micronsPerPixel,
                        classes, confusion, perClass: { CODE: { precision, recall,
                        support } }, balancedAccuracy, tolerant, auc? } instead of text
  -h, --help            this help
`;

/** `smearscope eval`: see EVAL_HELP. */
export async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      backend: { type: 'string' },
      list: { type: 'string' },
      classes: { type: 'string' },
      'microns-per-pixel': { type: 'string' },
      'stain-normalization': { type: 'string' },
      batch: { type: 'string' },
      dtype: { type: 'string' },
      'per-cell': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(EVAL_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new SmearscopeError('INVALID_ARGUMENT', 'eval needs exactly one folder (see --help)');
  const root = positionals[0];
  const backend = oneOf('backend', values.backend, ['auto', 'wasm', 'native'] as const) ?? 'auto';
  const batchSize = positiveNumber('batch', values.batch, true);
  const dtype = oneOf('dtype', values.dtype, DTYPE_CHOICES);
  const micronsPerPixel = positiveNumber('microns-per-pixel', values['microns-per-pixel']);
  const normalizeStain = onOff('stain-normalization', values['stain-normalization']);
  const folderCodes = parseClassMap(values.classes);
  // A shipped model's id or a card's path: createScope's loadModel resolves ids (the library's `models`).
  const model = values.model;

  const scope = await createScope({
    ...(model ? { model } : {}),
    ...(normalizeStain !== undefined ? { normalizeStain } : {}),
    backend,
    ...(batchSize ? { batchSize } : {}),
    ...(dtype ? { dtype } : {}),
  });
  try {
    const samples = (await listSamples(root, values.list))
      .map((s) => ({ ...s, code: folderCodes.get(s.code) ?? s.code }))
      .filter((s) => s.code !== '-');
    const known = samples.filter((s) => scope.scheme.indexByCode.has(s.code));
    const unknown = [...new Set(samples.filter((s) => !scope.scheme.indexByCode.has(s.code)).map((s) => s.code))];
    if (known.length === 0) {
      throw new SmearscopeError('INVALID_ARGUMENT', `no images of the model's classes (${scope.card.classes.join(' ')}) under ${root}`);
    }
    const log = (line: string) => process.stderr.write(line + '\n');
    // The scope's rule (scope.ts): the flag, else the card's choice, and only with a reference.
    const stainOn = scope.card.stainReference !== undefined && (normalizeStain ?? scope.card.stainNormalization ?? true);
    log(
      `smearscope eval: ${known.length} images, model ${scope.card.id}, backend ${scope.backend} (${scope.dtype}), ` +
        `stain normalization ${stainOn ? 'on' : 'off'}, ` +
        (micronsPerPixel ? `${scope.card.input.patchMicrons} um at ${micronsPerPixel} um/px` : 'whole crops') +
        (unknown.length ? `; skipping folders not in the model: ${unknown.join(', ')}` : ''),
    );
    const ignoredFields = ignoredCardFieldsNote(scope.card);
    if (ignoredFields) log(`smearscope eval: ${ignoredFields}`);

    const truth: number[] = [];
    const predicted: number[] = [];
    const pBlast: number[] = [];
    const pAtypical: number[] = [];
    const failures: string[] = [];
    const cells: { image: string; truth: string; predicted: string; probs: Record<string, number> }[] = [];
    let abstained = 0;
    let normalizedCount = 0;
    const frames = async function* (): AsyncGenerator<EncodedFrame> {
      for (const sample of known) yield { encoded: await readFile(sample.path), label: sample.path };
    };
    let done = 0;
    for await (const result of scope.analyzeStream(frames(), { singleCell: true, ...(micronsPerPixel ? { micronsPerPixel } : {}) })) {
      const sample = known[result.index];
      done++;
      if (done % 200 === 0) log(`  ${done}/${known.length}`);
      const cell = result.cells[0]?.decision;
      if (result.error || !cell) {
        failures.push(`${sample.path}: ${result.error?.message ?? 'no result'}`);
        continue;
      }
      truth.push(scope.scheme.indexByCode.get(sample.code)!);
      predicted.push(cell.classIndex);
      pBlast.push(cell.pBlast);
      pAtypical.push(cell.pAtypical);
      if (values['per-cell']) cells.push({ image: sample.path, truth: sample.code, predicted: cell.class, probs: cell.probs });
      if (cell.abstained) abstained++;
      if (result.stain?.normalized) normalizedCount++;
    }
    const evaluation = evaluateClassifier(truth, predicted, scope.scheme);
    // normalizedImages: what was done (a crop without a stain fit stays as it is).
    const stainNormalized = { on: stainOn, normalizedImages: normalizedCount };
    const auc: Record<string, number | null> = {};
    if (scope.scheme.blastIndices.length > 0)
      auc.blast = rocCurve(
        pBlast,
        truth.map((t) => scope.scheme.blastIndices.includes(t)),
      ).auc;
    if (scope.scheme.atypicalIndices.length > 0)
      auc.atypical = rocCurve(
        pAtypical,
        truth.map((t) => scope.scheme.atypicalIndices.includes(t)),
      ).auc;

    const classes = evaluation.classes;
    const perClass = Object.fromEntries(
      classes.map((code) => {
        const m = evaluation.perClass[code];
        return [code, { precision: m.precision, recall: m.recall, support: m.support }];
      }),
    );
    const tolerant = {
      balancedAccuracy: evaluation.tolerantBalancedAccuracy,
      perClass: Object.fromEntries(
        classes.map((code) => {
          const m = evaluation.perClass[code];
          return [code, { precision: m.tolerantPrecision, recall: m.tolerantRecall }];
        }),
      ),
      pairs: scope.scheme.tolerancePairs,
    };
    const output = {
      model: scope.card.id,
      backend: scope.backend,
      dtype: scope.dtype,
      stainNormalization: stainNormalized,
      micronsPerPixel: micronsPerPixel ?? null,
      images: truth.length,
      failed: failures.length,
      abstainedByThreshold: abstained,
      classes,
      confusion: evaluation.confusion.rowNormalized,
      confusionCounts: evaluation.confusion.counts,
      perClass,
      accuracy: evaluation.accuracy,
      balancedAccuracy: evaluation.balancedAccuracy,
      tolerant,
      ...(Object.keys(auc).length ? { auc } : {}),
      ...(values['per-cell'] ? { cells } : {}),
    };
    for (const failure of failures) log(`failed: ${failure}`);
    if (values.json) {
      process.stdout.write(JSON.stringify(output, null, 2) + '\n');
    } else {
      process.stdout.write(formatText(output));
    }
    return failures.length > 0 ? 1 : 0;
  } finally {
    await scope.dispose();
  }
}

/** --classes "neutrophil=NGS,lymphocyte=LYT" -> folder -> code. INVALID_ARGUMENT on a malformed pair. */
export function parseClassMap(value: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (value === undefined) return map;
  for (const pair of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([^=]+)=([^=]+)$/.exec(pair);
    if (!match) throw new SmearscopeError('INVALID_ARGUMENT', `--classes: "${pair}" is not FOLDER=CODE (e.g. neutrophil=NGS)`);
    const [folder, code] = [match[1].trim(), match[2].trim()];
    if (map.has(folder)) throw new SmearscopeError('INVALID_ARGUMENT', `--classes names folder ${folder} twice`);
    map.set(folder, code);
  }
  return map;
}

interface Sample {
  code: string;
  path: string;
}

async function listSamples(root: string, listFile: string | undefined): Promise<Sample[]> {
  if (listFile) {
    const text = await readFile(listFile, 'utf8').catch((error: Error) => {
      throw new SmearscopeError('IO_FAILED', `cannot read --list ${listFile}: ${error.message}`);
    });
    return text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => ({ code: line.split('/')[0], path: join(root, line) }));
  }
  const entries = await readdir(root, { withFileTypes: true }).catch((error: Error) => {
    throw new SmearscopeError('IO_FAILED', `cannot read ${root}: ${error.message}`);
  });
  const samples: Sample[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const files = (await readdir(join(root, entry.name))).filter((f) => /\.(jpe?g|png|tiff?)$/i.test(f)).sort();
    samples.push(...files.map((file) => ({ code: entry.name, path: join(root, entry.name, file) })));
  }
  return samples;
}

function formatText(output: {
  classes: string[];
  confusion: number[][];
  perClass: Record<string, { precision: number | null; recall: number | null; support: number }>;
  balancedAccuracy: number | null;
  accuracy: number | null;
  images: number;
  tolerant: { balancedAccuracy: number | null };
  auc?: Record<string, number | null>;
}): string {
  const pct = (v: number | null) => (v === null ? '   -  ' : `${(100 * v).toFixed(1).padStart(5)}%`);
  const lines = [
    `${output.images} images`,
    '',
    'Confusion (row = truth, row-normalized):',
    '       ' + output.classes.map((c) => c.padStart(7)).join(''),
  ];
  output.classes.forEach((code, i) => lines.push(code.padEnd(7) + output.confusion[i].map((v) => pct(v).padStart(7)).join('')));
  lines.push('', 'class  precision  recall  support');
  for (const code of output.classes) {
    const m = output.perClass[code];
    lines.push(`${code.padEnd(6)} ${pct(m.precision).padStart(9)} ${pct(m.recall).padStart(7)} ${String(m.support).padStart(8)}`);
  }
  lines.push(
    '',
    `accuracy           ${pct(output.accuracy)}`,
    `balanced accuracy  ${pct(output.balancedAccuracy)}`,
    `tolerant balanced  ${pct(output.tolerant.balancedAccuracy)}`,
  );
  for (const [group, value] of Object.entries(output.auc ?? {}))
    lines.push(`AUC P_${group}`.padEnd(19) + (value === null ? '-' : value.toFixed(4)));
  return lines.join('\n') + '\n';
}
