/**
 * Atomic file output: write to a temporary file beside the target, fsync, then rename.
 * A reader never sees a partial file, and a failed write leaves any previous file intact.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Write `data` to a fresh temporary file beside `target`, flushed to disk; returns its path. */
async function writeTemp(target: string, data: string | Uint8Array): Promise<string> {
  await mkdir(dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return temp;
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = await writeTemp(target, data);
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Writes the files as one StagedOutput: all of them appear, or none. Returns their paths. */
export async function writeFilesTogether(files: readonly { path: string; content: string | Uint8Array }[]): Promise<string[]> {
  const staged = new StagedOutput();
  try {
    for (const f of files) await staged.add(f.path, f.content);
    await staged.commit();
  } catch (err) {
    await staged.discard();
    throw err;
  }
  return files.map((f) => f.path);
}

/** A set of files that appear together or not at all (best effort: staged, then renamed in order). */
export class StagedOutput {
  private readonly staged: { temp: string; target: string }[] = [];

  async add(target: string, data: string | Uint8Array): Promise<void> {
    this.staged.push({ temp: await writeTemp(target, data), target });
  }

  async commit(): Promise<void> {
    for (const { temp, target } of this.staged) await rename(temp, target);
    this.staged.length = 0;
  }

  async discard(): Promise<void> {
    for (const { temp } of this.staged) await rm(temp, { force: true });
    this.staged.length = 0;
  }
}
