import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DerAccumulator, derComponents, diarizationErrorRate, type DerComponents } from '../../../audio/der.js';
import { maximumWeightAssignment } from '../../../audio/hungarian.js';
import { formatRttm, groupByFile, parseRttm } from '../../../audio/rttm.js';
import { fixturePath } from './reference-fixtures.js';

interface PyannoteResult {
  collar: number;
  skipOverlap: boolean;
  files: Record<string, DerComponents & { rate: number }>;
  corpus: DerComponents;
  corpusRate: number;
}

const pyannote = JSON.parse(readFileSync(fixturePath('der/pyannote-der.json'), 'utf8')) as { results: PyannoteResult[] };
const reference = groupByFile(parseRttm(readFileSync(fixturePath('der/reference.rttm'), 'utf8')));
const hypothesis = groupByFile(parseRttm(readFileSync(fixturePath('der/hypothesis.rttm'), 'utf8')));
const TOLERANCE = 1e-6;

function assertComponents(actual: DerComponents, expected: DerComponents, where: string): void {
  for (const key of ['total', 'correct', 'falseAlarm', 'missed', 'confusion'] as const) {
    assert.ok(Math.abs(actual[key] - expected[key]) <= TOLERANCE, `${where} ${key}: ${actual[key]} vs pyannote ${expected[key]}`);
  }
}

for (const result of pyannote.results) {
  test(`DER matches pyannote.metrics with collar ${result.collar}, skipOverlap ${result.skipOverlap}`, () => {
    const scorer = new DerAccumulator({ collar: result.collar, skipOverlap: result.skipOverlap });
    for (const [file, expected] of Object.entries(result.files)) {
      const components = scorer.add(reference.get(file) ?? [], hypothesis.get(file) ?? []);
      assertComponents(components, expected, file);
      assert.ok(Math.abs(diarizationErrorRate(components) - expected.rate) <= TOLERANCE, `${file} rate`);
    }
    assertComponents(scorer.components, result.corpus, 'corpus');
    assert.ok(Math.abs(scorer.rate - result.corpusRate) <= TOLERANCE, `corpus rate ${scorer.rate} vs ${result.corpusRate}`);
  });
}

test('perfect hypothesis with renamed speakers scores 0, and empty inputs are defined', () => {
  const ref = [
    { start: 0, duration: 2, speaker: 'a' },
    { start: 1.5, duration: 2, speaker: 'b' },
  ];
  const hyp = ref.map((t) => ({ ...t, speaker: t.speaker === 'a' ? 'spk9' : 'spk1' }));
  assert.equal(diarizationErrorRate(derComponents(ref, hyp)), 0);
  assert.equal(diarizationErrorRate(derComponents([], [])), 0);
  assert.equal(diarizationErrorRate(derComponents([], hyp)), 1);
});

test('RTTM round-trips through format and parse', () => {
  const turns = parseRttm(readFileSync(fixturePath('der/reference.rttm'), 'utf8'));
  assert.deepEqual(parseRttm(formatRttm(turns)), turns);
  assert.throws(() => parseRttm('SPEAKER f 1 0.0 x <NA> <NA> a <NA> <NA>'), /bad start/);
});

test('Hungarian assignment maximises total weight on rectangular matrices', () => {
  const weights = [
    [7, 5, 0],
    [6, 1, 0],
  ];
  assert.deepEqual(maximumWeightAssignment(weights), [1, 0]);
  assert.deepEqual(maximumWeightAssignment([[1], [5], [3]]), [-1, 0, -1]);
  // Brute force over all permutations of a seeded 5×5 matrix.
  let state = 42;
  const random = (): number => ((state = (Math.imul(state, 48271) + 11) >>> 0) % 1000) / 10;
  const square = Array.from({ length: 5 }, () => Array.from({ length: 5 }, random));
  const best = (rows: number, used: Set<number>): number =>
    rows === 5 ? 0 : Math.max(...[0, 1, 2, 3, 4].filter((c) => !used.has(c)).map((c) => square[rows]![c]! + best(rows + 1, new Set([...used, c]))));
  const assignment = maximumWeightAssignment(square);
  assert.equal(new Set(assignment).size, 5);
  const total = assignment.reduce((sum, c, r) => sum + square[r]![c]!, 0);
  assert.ok(Math.abs(total - best(0, new Set())) < 1e-9);
});
