/** Resume bookkeeping of results.json: what still runs, and recording without duplicates. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pendingCells, readResults, recordCell, writeResults, type CellResult, type SweepResults } from '../../../src/main/engine/sweep/results';
import { expandCells, validateSweep } from '../../../src/main/engine/sweep/spec';
import { tempDir } from '../../helpers';

const dir = tempDir();
const r = validateSweep({ models: ['demo:cnn-small'], variants: [{ id: 'dense' }, { id: 'p', prune: 0.5 }], batches: [1, 4] }, dir);
if (!r.ok) throw new Error(r.errors.join('\n'));
const cells = expandCells(r.raw);

function result(i: number, status: 'ok' | 'failed'): CellResult {
  const c = cells[i];
  return { ...c, status, ...(status === 'failed' ? { error: 'boom' } : { report: `cells/${c.key}/report.json` }), wallMs: 1, finishedAt: `2026-01-01T00:00:0${i}Z` };
}

const empty: SweepResults = { version: 1, specHash: 'h', sweepFile: 's', total: cells.length, complete: false, startedAt: 't', updatedAt: 't', cells: [] };

describe('resume bookkeeping', () => {
  it('runs cells without an entry; failed ones only when retrying', () => {
    const done = [result(0, 'ok'), result(2, 'failed')];
    expect(pendingCells(cells, done, false).map((c) => c.key)).toEqual([cells[1].key, cells[3].key]);
    expect(pendingCells(cells, done, true).map((c) => c.key)).toEqual([cells[1].key, cells[2].key, cells[3].key]);
  });

  it('records each cell once, in sweep order, and marks the sweep complete', () => {
    let results = recordCell(empty, cells, result(2, 'failed'));
    results = recordCell(results, cells, result(0, 'ok'));
    results = recordCell(results, cells, result(2, 'ok'));
    expect(results.cells.map((c) => [c.key, c.status])).toEqual([[cells[0].key, 'ok'], [cells[2].key, 'ok']]);
    expect(results.complete).toBe(false);
    results = recordCell(recordCell(results, cells, result(3, 'ok')), cells, result(1, 'ok'));
    expect(results.cells.map((c) => c.key)).toEqual(cells.map((c) => c.key));
    expect(results.complete).toBe(true);
  });

  it('round-trips through the file and refuses a file that is not a sweep results file', async () => {
    const out = join(dir, 'out');
    expect(readResults(out)).toBeNull();
    const results = recordCell(empty, cells, result(0, 'ok'));
    await writeResults(out, results);
    expect(readResults(out)).toEqual(results);
    writeFileSync(join(out, 'results.json'), '{"cells": 3');
    expect(() => readResults(out)).toThrow(/not valid JSON.*--restart/);
    writeFileSync(join(out, 'results.json'), '{"schemaVersion": 1}');
    expect(() => readResults(out)).toThrow(/not a sweep results file/);
  });
});
