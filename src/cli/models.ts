import { parseArgs } from 'node:util';
import type { ModelCard } from '../inference/model-card-types.js';
import { listShippedModels } from './shipped-models.js';

export const MODELS_HELP = `Usage: smearscope models [--json]

Lists the shipped models (the cards in the package's models/ folder): id, class scheme, classes
in output order, parameters, MFLOPs per cell, whether frames are stain-normalized by default, and
the held-out figures the card records (balanced accuracy; AUC of P_blast where the scheme has
blasts), as measured by \`smearscope eval\`. Any id listed here can be given as --model <id>.

Options:
  --json       print [{ id, default, scheme, classes, parameters, mflopsPerCell, patchMicrons,
               stainNormalization, heldOut: { split, balancedAccuracy, aucBlast? } | null, card }]
  -h, --help   this help
`;

/** One row of `smearscope models`. */
export interface ModelRow {
  id: string;
  default: boolean;
  scheme: string;
  classes: string[];
  parameters: number | null;
  mflopsPerCell: number | null;
  patchMicrons: number;
  stainNormalization: boolean;
  heldOut: { split: string; balancedAccuracy: number; aucBlast?: number } | null;
  card: string;
}

/** The row of one card (figures as the card states them). */
export function modelRow(card: ModelCard, path: string, isDefault: boolean): ModelRow {
  const metrics = card.provenance.metrics as (NonNullable<ModelCard['provenance']['metrics']> & { aucBlast?: number }) | undefined;
  return {
    id: card.id,
    default: isDefault,
    scheme: card.scheme,
    classes: card.classes,
    parameters: card.parameters ?? null,
    mflopsPerCell: card.flopsPerCell === undefined ? null : Math.round(card.flopsPerCell / 1e5) / 10,
    patchMicrons: card.input.patchMicrons,
    stainNormalization: card.stainReference !== undefined && (card.stainNormalization ?? true),
    heldOut: metrics
      ? {
          split: metrics.split,
          balancedAccuracy: metrics.balancedAccuracy,
          ...(metrics.aucBlast !== undefined ? { aucBlast: metrics.aucBlast } : {}),
        }
      : null,
    card: path,
  };
}

/** `smearscope models`: see MODELS_HELP. */
export async function modelsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(MODELS_HELP);
    return 0;
  }
  const rows = (await listShippedModels()).map(({ card, path, isDefault }) => modelRow(card, path, isDefault));
  if (values.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  const lines = [['id', 'scheme', 'classes', 'params', 'MFLOPs', 'stain', 'held-out bal. acc', 'AUC P_blast'].join('\t')];
  for (const row of rows) {
    lines.push(
      [
        row.id + (row.default ? ' (default)' : ''),
        row.scheme,
        row.classes.join(' '),
        row.parameters === null ? '-' : row.parameters.toLocaleString('en-US'),
        row.mflopsPerCell ?? '-',
        row.stainNormalization ? 'normalized' : 'as is',
        row.heldOut ? `${row.heldOut.balancedAccuracy.toFixed(3)} (${row.heldOut.split})` : '-',
        row.heldOut?.aucBlast === undefined ? '-' : row.heldOut.aucBlast.toFixed(3),
      ].join('\t'),
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
