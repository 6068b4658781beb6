import { describe, expect, it } from 'vitest';
import { SmearscopeError } from '../../src/errors.js';
import { SCHEMES, getScheme, resolveScheme, validateScheme } from '../../src/clinical/index.js';
import { BM7, testCard } from './clinical-card.js';

const codesOf = (id: string) => getScheme(id).classes.map((c) => c.code);

function expectCardError(run: () => unknown, fragment: string): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SmearscopeError);
    expect((error as SmearscopeError).code).toBe('INVALID_MODEL_CARD');
    expect((error as SmearscopeError).message).toContain(fragment);
    return;
  }
  throw new Error(`expected INVALID_MODEL_CARD mentioning ${fragment}`);
}

describe('shipped class schemes', () => {
  it('hold the published class lists', () => {
    expect([...SCHEMES.keys()].sort()).toEqual(['bone-marrow-21', 'hematonet-18', 'peripheral-blood-aml-15', 'peripheral-blood-pbc-8']);
    expect(codesOf('peripheral-blood-pbc-8')).toEqual('NGS EOS BAS LYT MON IG EBO PLT'.split(' '));
    expect(codesOf('bone-marrow-21')).toEqual(
      'ABE ART BAS BLA EBO EOS FGC HAC KSC LYI LYT MMZ MON MYB NGB NGS NIF OTH PEB PLM PMO'.split(' '),
    );
    expect(codesOf('peripheral-blood-aml-15')).toEqual('BAS EBO EOS KSC LYA LYT MMZ MOB MON MYB MYO NGB NGS PMB PMO'.split(' '));
    expect(codesOf('hematonet-18')).toEqual(codesOf('bone-marrow-21').filter((c) => !['ART', 'NIF', 'OTH'].includes(c)));
  });

  it('hematonet-18 is bone-marrow-21 restricted, class by class, group by group, pair by pair', () => {
    const bm = getScheme('bone-marrow-21');
    const hn = getScheme('hematonet-18');
    const kept = new Set(hn.classes.map((c) => c.code));
    expect(hn.classes).toEqual(bm.classes.filter((c) => kept.has(c.code)));
    for (const key of ['blast', 'atypical', 'abstain', 'notCounted'] as const) {
      expect(hn.groups[key]).toEqual(bm.groups[key].filter((c) => kept.has(c)));
    }
    expect(hn.tolerance).toEqual(bm.tolerance.filter(([a, b]) => kept.has(a) && kept.has(b)));
  });

  it('groups of the AML scheme follow Matek 2019', () => {
    const pb = getScheme('peripheral-blood-aml-15');
    expect(pb.defaultPatchMicrons).toBe(29);
    expect(pb.groups.blast).toEqual(['MYO', 'MOB']);
    expect([...pb.groups.atypical].sort()).toEqual(['EBO', 'LYA', 'MMZ', 'MOB', 'MYB', 'MYO', 'PMB', 'PMO']);
    const bm = getScheme('bone-marrow-21');
    expect(bm.groups.abstain).toEqual(['ART', 'NIF', 'OTH']);
    expect(bm.groups.blast).toEqual(['BLA']);
    expect(bm.groups.atypical).toContain('FGC');
  });
});

describe('resolveScheme', () => {
  it('restricts groups, counted flags and tolerance to the card classes in output order', () => {
    const s = resolveScheme(testCard('bone-marrow-21', BM7));
    expect(s.classes.map((c) => c.code)).toEqual(BM7);
    expect(s.blastIndices).toEqual([0]);
    expect(s.abstainIndices).toEqual([5]);
    expect(s.atypicalIndices).toEqual([]);
    expect([...s.counted]).toEqual([1, 1, 1, 1, 1, 0, 1]);
    expect(s.tolerancePairs).toEqual([['BLA', 'PMO']]);
    // diagonal (7) plus BLA->PMO and PMO->BLA
    expect(s.tolerant.reduce((a, b) => a + b, 0)).toBe(9);
    expect(s.tolerant[0 * 7 + 6]).toBe(1);
    expect(s.tolerant[6 * 7 + 0]).toBe(1);
    expect(s.tolerant[4 * 7 + 6]).toBe(0);
    expect(s.indexByCode.get('NGS')).toBe(4);
    expect(s.thresholds).toEqual({ confidence: 0.5, blast: 0.5, atypical: 0.5 });
  });

  it('applies card group overrides and thresholds', () => {
    const s = resolveScheme(
      testCard('bone-marrow-21', ['PMO', 'BLA', 'NGS'], { groups: { blast: ['PMO', 'BLA'] }, thresholds: { confidence: 0.7, blast: 0.3 } }),
    );
    expect(s.blastIndices).toEqual([0, 1]);
    expect(s.thresholds).toEqual({ confidence: 0.7, blast: 0.3, atypical: 0.5 });
  });

  it('names the unknown scheme, unknown or repeated class, and stray group codes', () => {
    expectCardError(() => resolveScheme(testCard('bone-marrow-22', BM7)), 'bone-marrow-22');
    expectCardError(() => resolveScheme(testCard('bone-marrow-21', ['BLA', 'XYZ'])), 'XYZ');
    expectCardError(() => resolveScheme(testCard('hematonet-18', ['BLA', 'ART'])), 'ART');
    expectCardError(() => resolveScheme(testCard('bone-marrow-21', ['BLA', 'BLA'])), 'twice');
    expectCardError(() => resolveScheme(testCard('bone-marrow-21', ['BLA', 'NGS'], { groups: { abstain: ['NIF'] } })), 'NIF');
    expectCardError(() => resolveScheme(testCard('bone-marrow-21', ['BLA', 'NGS'], { thresholds: { confidence: 1.5 } })), 'confidence');
  });
});

describe('validateScheme', () => {
  const copy = () => structuredClone(getScheme('bone-marrow-21')) as unknown as Record<string, any>;

  it('accepts the shipped file and rejects broken copies, naming the fault', () => {
    expect(validateScheme(copy(), 'copy').classes).toHaveLength(21);
    const badTolerance = copy();
    badTolerance.tolerance.push(['NGS', 'QQQ']);
    expectCardError(() => validateScheme(badTolerance, 'copy'), 'QQQ');
    const duplicate = copy();
    duplicate.classes.push({ ...duplicate.classes[0] });
    expectCardError(() => validateScheme(duplicate, 'copy'), 'ABE appears twice');
    const mismatch = copy();
    mismatch.groups.notCounted = ['ART', 'NIF', 'OTH'];
    expectCardError(() => validateScheme(mismatch, 'copy'), 'KSC');
    const lineage = copy();
    lineage.classes[3].lineage = 'myeloid-ish';
    expectCardError(() => validateScheme(lineage, 'copy'), 'myeloid-ish');
    const selfPair = copy();
    selfPair.tolerance.push(['BLA', 'BLA']);
    expectCardError(() => validateScheme(selfPair, 'copy'), 'with itself');
  });
});
