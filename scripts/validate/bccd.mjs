// End-to-end scoring of a peripheral-blood model on the BCCD frames: localization + classification
// against ../shared/data/bccd/wbc_boxes_with_subtype.csv. Pure functions (no I/O) so tests can
// feed them hand-made reports.

/** BCCD's image-level subtype labels -> the peripheral-blood scheme's codes (the 4 scored subtypes;
 * BASOPHIL has 3 frames and is left out, as the 4-subtype figure asks). */
export const BCCD_SUBTYPES = { NEUTROPHIL: 'NGS', EOSINOPHIL: 'EOS', LYMPHOCYTE: 'LYT', MONOCYTE: 'MON' };

/**
 * Parses wbc_boxes_with_subtype.csv (header: image,width,height,xmin,ymin,xmax,ymax,
 * n_wbc_boxes_in_image,subtype_label_from_kaggle_labels_csv). Keeps the frames with exactly one
 * WBC box whose label is one of BCCD_SUBTYPES: the label is image-level, so only then is it the
 * box's. Returns [{ image, box: [x0, y0, x1, y1], code }].
 */
export function parseBccdBoxes(csvText) {
  const lines = csvText
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const header = lines[0].split(',');
  const col = (name) => header.indexOf(name);
  const rows = [];
  for (const line of lines.slice(1)) {
    // The label may be quoted and contain commas ("NEUTROPHIL, EOSINOPHIL"): split off the fixed columns.
    const parts = line.split(',');
    const fixed = parts.slice(0, 8);
    const label = parts.slice(8).join(',').replace(/"/g, '').trim();
    if (Number(fixed[col('n_wbc_boxes_in_image')]) !== 1) continue;
    const code = BCCD_SUBTYPES[label];
    if (!code) continue;
    const box = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => Number(fixed[col(k)]));
    rows.push({ image: fixed[col('image')], box, code });
  }
  return rows;
}

/**
 * Keeps the boxes of the frames named in a BCCD ImageSets list (one stem per line, e.g.
 * ImageSets/Main/test.txt: "BloodImage_00007"). Returns a new array.
 */
export function boxesInImageSet(boxes, listText) {
  const stems = new Set(
    listText
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  return boxes.filter((b) => stems.has(b.image.replace(/\.[^.]+$/, '')));
}

/**
 * Scores an `analyze` report against the boxes. For each labelled frame the cell taken is the
 * located cell whose centre lies inside the box (nearest the box centre when several do); none
 * found is a localization miss and counts as wrong. Cells of other frames are ignored.
 * Returns { frames, located, perClass: { CODE: { recall, support } }, balancedAccuracy,
 * confusion: { truth: { predicted: count } } } (predicted 'missed' when localization found nothing).
 */
export function scoreBccd(report, boxes) {
  const byFile = new Map(report.frames.map((f) => [f.file.split('/').pop(), f]));
  const confusion = {};
  let located = 0;
  for (const { image, box, code } of boxes) {
    const frame = byFile.get(image);
    const inside = (frame?.cells ?? []).filter((c) => c.x >= box[0] && c.x <= box[2] && c.y >= box[1] && c.y <= box[3]);
    const cx = (box[0] + box[2]) / 2;
    const cy = (box[1] + box[3]) / 2;
    inside.sort((a, b) => Math.hypot(a.x - cx, a.y - cy) - Math.hypot(b.x - cx, b.y - cy));
    const predicted = inside.length ? inside[0].class : 'missed';
    if (inside.length) located++;
    confusion[code] ??= {};
    confusion[code][predicted] = (confusion[code][predicted] ?? 0) + 1;
  }
  const perClass = {};
  for (const code of Object.values(BCCD_SUBTYPES)) {
    const row = confusion[code] ?? {};
    const support = Object.values(row).reduce((a, b) => a + b, 0);
    perClass[code] = { recall: support ? (row[code] ?? 0) / support : null, support };
  }
  const recalls = Object.values(perClass)
    .map((m) => m.recall)
    .filter((r) => r !== null);
  return {
    frames: boxes.length,
    located,
    perClass,
    balancedAccuracy: recalls.length ? recalls.reduce((a, b) => a + b, 0) / recalls.length : null,
    confusion,
  };
}
