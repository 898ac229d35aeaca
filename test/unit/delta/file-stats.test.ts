import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Column } from '../../../delta/columns.js';
import { compareCodePoints, fileStats } from '../../../delta/file-stats.js';

const column = (name: string, type: Column['type'], nullable = true): Column => ({ name, type, nullable, metadata: {} });

describe('file statistics', () => {
  it('orders strings by code point, as UTF-8 bytes do', () => {
    const astral = '\u{1F600}'; // a surrogate pair in UTF-16, F0 9F 98 80 in UTF-8
    const privateUse = '\uE000'; // EE 80 80 in UTF-8: below the emoji, though its UTF-16 unit is above D83D
    assert.ok(astral < privateUse, 'UTF-16 order puts the emoji first');
    assert.ok(compareCodePoints(privateUse, astral) < 0);
    assert.ok(compareCodePoints('abc', 'abd') < 0 && compareCodePoints('ab', 'abc') < 0 && compareCodePoints('x', 'x') === 0);
    const rows = [{ s: astral }, { s: privateUse }];
    const stats = fileStats([column('s', { kind: 'string' })], rows);
    assert.deepEqual([stats.minValues.s, stats.maxValues.s], [privateUse, astral]);
  });

  it('cuts a long minimum to 32 characters and leaves out a long maximum', () => {
    const long = 'x'.repeat(40);
    const stats = fileStats([column('s', { kind: 'string' })], [{ s: long }, { s: 'a' }, { s: `y${long}` }]);
    assert.equal(stats.minValues.s, 'a');
    assert.equal(stats.maxValues.s, undefined);
    const only = fileStats([column('s', { kind: 'string' })], [{ s: long }]);
    assert.equal(only.minValues.s, 'x'.repeat(32));
  });

  it('nests struct statistics, counts nulls of every column, skips NaN, booleans, bytes and lists in min/max', () => {
    const columns = [
      column('point', { kind: 'struct', fields: [column('x', { kind: 'double' }), column('label', { kind: 'string' })] }),
      column('flag', { kind: 'boolean' }),
      column('blob', { kind: 'binary' }),
      column('tags', { kind: 'array', element: { kind: 'string' }, containsNull: false }),
      column('n', { kind: 'long' }),
      column('day', { kind: 'date' }),
    ];
    const rows = [
      { point: { x: 2.5, label: 'b' }, flag: true, blob: Buffer.from('z'), tags: ['t'], n: 7, day: 19844 },
      { point: { x: Number.NaN, label: null }, flag: null, blob: null, tags: null, n: -3, day: 19845 },
      { point: null, flag: false, blob: null, tags: [], n: null, day: 19843 },
    ];
    assert.deepEqual(fileStats(columns, rows), {
      numRecords: 3,
      minValues: { point: { x: 2.5, label: 'b' }, n: -3, day: '2024-04-30' },
      maxValues: { point: { x: 2.5, label: 'b' }, n: 7, day: '2024-05-02' },
      nullCount: { point: { x: 1, label: 2 }, flag: 1, blob: 2, tags: 1, n: 1, day: 0 },
    });
  });
});
