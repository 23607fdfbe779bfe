import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StagedOutput, writeFileAtomic } from '../../../src/main/engine/files/write-atomic';
import { tempDir } from '../../helpers';

const dir = tempDir();

describe('atomic writes', () => {
  it('replaces a file whole and leaves no temporary file', async () => {
    const target = join(dir, 'a', 'report.json');
    await writeFileAtomic(target, 'first');
    await writeFileAtomic(target, 'second');
    expect(readFileSync(target, 'utf8')).toBe('second');
    expect(readdirSync(join(dir, 'a'))).toEqual(['report.json']);
  });

  it('keeps the previous file when the write fails', async () => {
    const target = join(dir, 'b.json');
    writeFileSync(target, 'previous');
    const hostile = { toString: () => { throw new Error('boom'); } } as unknown as string;
    await expect(writeFileAtomic(target, hostile)).rejects.toThrow();
    expect(readFileSync(target, 'utf8')).toBe('previous');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('stages a set of files: none appears before commit, none after discard', async () => {
    const staged = new StagedOutput();
    await staged.add(join(dir, 'set', 'one.txt'), '1');
    await staged.add(join(dir, 'set', 'two.txt'), '2');
    expect(existsSync(join(dir, 'set', 'one.txt'))).toBe(false);
    await staged.commit();
    expect(readdirSync(join(dir, 'set')).sort()).toEqual(['one.txt', 'two.txt']);
    const discarded = new StagedOutput();
    await discarded.add(join(dir, 'other', 'three.txt'), '3');
    await discarded.discard();
    expect(readdirSync(join(dir, 'other'))).toEqual([]);
  });
});
