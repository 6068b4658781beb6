import { SmearscopeError } from '../errors.js';
import boneMarrow21 from '../../models/schemes/bone-marrow-21.json';
import hematonet18 from '../../models/schemes/hematonet-18.json';
import peripheralBloodAml15 from '../../models/schemes/peripheral-blood-aml-15.json';
import peripheralBloodPbc8 from '../../models/schemes/peripheral-blood-pbc-8.json';
import { DEFAULT_CELL_THRESHOLDS, mergeThresholds } from './cell-thresholds.js';
import { LINEAGES, type CardClasses, type ClassScheme, type Lineage, type ResolvedScheme, type SchemeClass } from './scheme-types.js';

// Every scheme problem is a model-card problem for the user: the card names the scheme.
const fail = (message: string): never => {
  throw new SmearscopeError('INVALID_MODEL_CARD', message);
};

/**
 * Checks that `value` is a well-formed class scheme and returns it typed. Throws
 * INVALID_MODEL_CARD naming `source` and the offending field or class code.
 */
export function validateScheme(value: unknown, source: string): ClassScheme {
  if (!value || typeof value !== 'object') fail(`${source}: a class scheme must be a JSON object`);
  const scheme = value as Record<string, unknown>;
  for (const key of ['id', 'name', 'citation'] as const) {
    if (typeof scheme[key] !== 'string' || scheme[key] === '') fail(`${source}: "${key}" must be a non-empty string`);
  }
  const patchMicrons = scheme.defaultPatchMicrons;
  if (patchMicrons !== undefined && !(typeof patchMicrons === 'number' && patchMicrons > 0 && Number.isFinite(patchMicrons))) {
    fail(`${source}: "defaultPatchMicrons" must be a positive number of microns, got ${String(patchMicrons)}`);
  }
  if (!Array.isArray(scheme.classes) || scheme.classes.length === 0) fail(`${source}: "classes" must be a non-empty array`);
  const classes = scheme.classes as unknown[];
  const codes = new Set<string>();
  for (const [i, entry] of classes.entries()) {
    const c = (entry ?? {}) as Record<string, unknown>;
    if (typeof c.code !== 'string' || c.code === '') fail(`${source}: classes[${i}].code must be a non-empty string`);
    const code = c.code as string;
    if (codes.has(code)) fail(`${source}: class code ${code} appears twice`);
    codes.add(code);
    if (typeof c.name !== 'string' || c.name === '') fail(`${source}: class ${code} needs a name`);
    if (!LINEAGES.includes(c.lineage as Lineage)) {
      fail(`${source}: class ${code} has lineage ${String(c.lineage)}; expected one of ${LINEAGES.join(', ')}`);
    }
    if (typeof c.counted !== 'boolean') fail(`${source}: class ${code} needs "counted": true or false`);
  }
  const checkCodes = (list: unknown, where: string): string[] => {
    if (!Array.isArray(list)) return fail(`${source}: ${where} must be an array of class codes`);
    for (const code of list) {
      if (typeof code !== 'string' || !codes.has(code)) fail(`${source}: ${where} names unknown class code ${String(code)}`);
    }
    return list as string[];
  };
  const groups = (scheme.groups ?? fail(`${source}: "groups" is missing`)) as Record<string, unknown>;
  for (const key of ['blast', 'atypical', 'abstain', 'notCounted'] as const) checkCodes(groups[key], `groups.${key}`);
  // notCounted repeats the per-class flag for readability; the two must agree.
  const notCounted = new Set(groups.notCounted as string[]);
  for (const c of classes as SchemeClass[]) {
    if (notCounted.has(c.code) === c.counted) {
      fail(`${source}: class ${c.code} has counted: ${c.counted} but is ${c.counted ? '' : 'not '}in groups.notCounted`);
    }
  }
  if (!Array.isArray(scheme.tolerance)) fail(`${source}: "tolerance" must be an array of [A, B] pairs`);
  for (const [i, pair] of (scheme.tolerance as unknown[]).entries()) {
    if (!Array.isArray(pair) || pair.length !== 2) fail(`${source}: tolerance[${i}] must be a pair [A, B]`);
    checkCodes(pair, `tolerance[${i}]`);
    if ((pair as string[])[0] === (pair as string[])[1]) fail(`${source}: tolerance[${i}] pairs ${(pair as string[])[0]} with itself`);
  }
  if (scheme.mapsTo !== undefined) checkMappingShape(scheme.mapsTo, codes, source);
  if (scheme.notes !== undefined && !(Array.isArray(scheme.notes) && scheme.notes.every((n) => typeof n === 'string'))) {
    fail(`${source}: "notes" must be an array of strings`);
  }
  return value as ClassScheme;
}

/** `mapsTo` must name a scheme and give every code of this one a list of codes (checked against the
 * target by checkMappingTargets once all schemes are known). */
function checkMappingShape(value: unknown, codes: ReadonlySet<string>, source: string): void {
  const mapping = (value ?? {}) as Record<string, unknown>;
  if (typeof mapping.scheme !== 'string' || mapping.scheme === '') fail(`${source}: mapsTo.scheme must name a scheme id`);
  const table = mapping.codes as Record<string, unknown> | undefined;
  if (!table || typeof table !== 'object' || Array.isArray(table))
    fail(`${source}: mapsTo.codes must map each class code to a list of codes`);
  for (const code of codes) {
    const targets = table![code];
    if (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string' || t === '')) {
      fail(`${source}: mapsTo.codes.${code} must be a list of ${String(mapping.scheme)} codes ([] when it has none)`);
    }
  }
  for (const code of Object.keys(table!)) if (!codes.has(code)) fail(`${source}: mapsTo.codes names unknown class code ${code}`);
}

/** Each scheme's mapsTo must name a known scheme and only its codes. Throws INVALID_MODEL_CARD. */
export function checkMappingTargets(schemes: ReadonlyMap<string, ClassScheme>): void {
  for (const scheme of schemes.values()) {
    if (!scheme.mapsTo) continue;
    const target =
      schemes.get(scheme.mapsTo.scheme) ??
      fail(`scheme ${scheme.id}: mapsTo names unknown scheme "${scheme.mapsTo.scheme}"; known schemes: ${[...schemes.keys()].join(', ')}`);
    const known = new Set(target.classes.map((c) => c.code));
    for (const [code, targets] of Object.entries(scheme.mapsTo.codes)) {
      for (const t of targets)
        if (!known.has(t)) fail(`scheme ${scheme.id}: mapsTo.codes.${code} names ${t}, which ${target.id} does not have`);
    }
  }
}

/** The shipped schemes by id, validated once at load. */
export const SCHEMES: ReadonlyMap<string, ClassScheme> = new Map(
  [
    [boneMarrow21, 'models/schemes/bone-marrow-21.json'],
    [peripheralBloodAml15, 'models/schemes/peripheral-blood-aml-15.json'],
    [hematonet18, 'models/schemes/hematonet-18.json'],
    [peripheralBloodPbc8, 'models/schemes/peripheral-blood-pbc-8.json'],
  ].map(([json, file]) => {
    const scheme = validateScheme(json, file as string);
    return [scheme.id, scheme] as const;
  }),
);
checkMappingTargets(SCHEMES);

/** The shipped scheme with this id; throws INVALID_MODEL_CARD listing the known ids. */
export function getScheme(schemeId: string): ClassScheme {
  const scheme = SCHEMES.get(schemeId);
  if (!scheme) {
    return fail(`unknown class scheme "${schemeId}"; known schemes: ${[...SCHEMES.keys()].join(', ')}`);
  }
  return scheme;
}

/** A card's own scheme (`schemeDefinition`), checked as the shipped ones are: its id is the card's
 * `scheme` and no shipped scheme's, and a `mapsTo` names a shipped scheme and its codes. */
function cardOwnScheme(card: CardClasses, source: string): ClassScheme {
  // A copy: a card changed after createScope must not change the scope's scheme.
  const scheme = validateScheme(structuredClone(card.schemeDefinition), `${source} schemeDefinition`);
  if (scheme.id !== card.scheme)
    fail(`${source}: schemeDefinition.id is "${scheme.id}" but scheme is "${card.scheme}"; they must be the same`);
  if (SCHEMES.has(scheme.id))
    fail(`${source}: schemeDefinition reuses the shipped scheme id "${scheme.id}"; give the card's scheme an id of its own`);
  checkMappingTargets(new Map([...SCHEMES, [scheme.id, scheme]]));
  return scheme;
}

/**
 * Restricts the card's scheme to the card's classes, in the card's output order: groups (the
 * card's `groups` replace the scheme's per key), counted flags, tolerance pairs and thresholds
 * (card over DEFAULT_CELL_THRESHOLDS). Throws INVALID_MODEL_CARD naming the unknown scheme, an
 * unknown or repeated class code, or a group code the card does not output.
 */
export function resolveScheme(card: CardClasses): ResolvedScheme {
  const source = `model card "${card.id}"`;
  const scheme =
    card.schemeDefinition !== undefined
      ? cardOwnScheme(card, source)
      : (SCHEMES.get(card.scheme) ??
        fail(
          `${source} names unknown class scheme "${card.scheme}"; known schemes: ${[...SCHEMES.keys()].join(', ')} ` +
            '(or give the card a schemeDefinition of its own)',
        ));
  if (!Array.isArray(card.classes) || card.classes.length === 0) fail(`${source}: "classes" must list the output class codes`);
  const schemeClassByCode = new Map(scheme.classes.map((c) => [c.code, c]));
  const indexByCode = new Map<string, number>();
  const classes = card.classes.map((code, i) => {
    const schemeClass =
      schemeClassByCode.get(code) ??
      fail(
        `${source}: class code ${code} (output ${i}) is not in scheme ${scheme.id}; its codes are ${scheme.classes.map((c) => c.code).join(' ')}`,
      );
    if (indexByCode.has(code)) fail(`${source}: class code ${code} appears twice in "classes"`);
    indexByCode.set(code, i);
    return schemeClass;
  });

  const groupIndices = (key: 'blast' | 'atypical' | 'abstain'): number[] => {
    const override = card.groups?.[key];
    if (override) {
      for (const code of override) {
        if (!indexByCode.has(code)) fail(`${source}: groups.${key} names ${code}, which is not among the card's classes`);
      }
    }
    const codes = override ?? scheme.groups[key];
    return codes.flatMap((code) => (indexByCode.has(code) ? [indexByCode.get(code)!] : [])).sort((a, b) => a - b);
  };

  const classCount = classes.length;
  const tolerant = new Uint8Array(classCount * classCount);
  for (let i = 0; i < classCount; i++) tolerant[i * classCount + i] = 1;
  const tolerancePairs = scheme.tolerance.filter(([a, b]) => indexByCode.has(a) && indexByCode.has(b));
  for (const [a, b] of tolerancePairs) {
    const ia = indexByCode.get(a)!;
    const ib = indexByCode.get(b)!;
    tolerant[ia * classCount + ib] = 1;
    tolerant[ib * classCount + ia] = 1;
  }

  return {
    schemeId: scheme.id,
    schemeName: scheme.name,
    citation: scheme.citation,
    classes,
    classCount,
    indexByCode,
    blastIndices: groupIndices('blast'),
    atypicalIndices: groupIndices('atypical'),
    abstainIndices: groupIndices('abstain'),
    counted: Uint8Array.from(classes, (c) => (c.counted ? 1 : 0)),
    tolerancePairs,
    tolerant,
    thresholds: mergeThresholds(DEFAULT_CELL_THRESHOLDS, card.thresholds, 'INVALID_MODEL_CARD', `${source} thresholds`),
  };
}
