/**
 * The run history: every profile job's folder under WORKSPACE/runs and an index of them that
 * survives crashes and concurrent writers.
 *
 * Layout (docs/history.md):
 *   runs/<id>/report.json, trace.json, ...   a run, self-contained; <id> is its folder name
 *   history/entries/<id>.json                 one small entry per run (entry.ts), written atomically
 *   history/index.json                        every entry, newest first: a summary rebuilt from the above
 *
 * Why one entry file per run: two processes recording at once each write only their own file, so
 * neither can lose the other's entry; index.json is only a cache of the entries. Every read checks
 * the cache against the folders (ids of entries, runs with a report.json) and rebuilds it when they
 * disagree, when it is missing or when it does not parse. The report is the source of truth: a run
 * folder with a report.json and no entry (a crash between the two writes) gets its entry back; an
 * entry whose run folder is gone is dropped; a folder without report.json is a run in progress (or
 * one that died) and is not listed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { HistoryEntry, HistoryFilter, HistorySource } from '../../../shared/api';
import { EdgescopeError } from '../../../shared/errors';
import type { Report } from '../../../shared/report';
import { writeFileAtomic } from '../files/write-atomic';
import { byNewest, entryFromReport, isEntry, matchesFilter } from './entry';

export const INDEX_VERSION = 1;
/** Temp files of atomic writes older than this belong to a writer that died (a live one renames within a second). */
const STALE_TEMP_MS = 60_000;
/** The files a run folder copied from elsewhere keeps: the report and its trace (the HTML is rendered on demand). */
const COPIED_FILES = ['report.json', 'trace.json'] as const;

interface IndexFile {
  version: number;
  updatedAt: string;
  entries: HistoryEntry[];
}

/** A new run id: sortable by time, unique across processes. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`;
}

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

export class RunHistory {
  readonly runsDir: string;
  private readonly historyDir: string;
  private readonly entriesDir: string;
  private readonly indexPath: string;

  constructor(readonly workspaceDir: string) {
    this.runsDir = join(resolve(workspaceDir), 'runs');
    this.historyDir = join(resolve(workspaceDir), 'history');
    this.entriesDir = join(this.historyDir, 'entries');
    this.indexPath = join(this.historyDir, 'index.json');
  }

  /** The folder of run `id` (which need not exist yet). */
  runDir(id: string): string {
    return join(this.runsDir, checkedId(id));
  }

  /** Records a run whose files are already in runDir(id) (the app's jobs write there). */
  async record(id: string, report: Report, source: HistorySource): Promise<HistoryEntry> {
    const entry = entryFromReport(checkedId(id), report, source);
    await writeFileAtomic(this.entryPath(id), `${JSON.stringify(entry)}\n`);
    // The index plus this entry, when that matches the folders; else (another writer, a crash) a full rebuild.
    const cached = this.readIndex();
    const updated = cached && { ...cached, updatedAt: new Date().toISOString(), entries: [...cached.entries.filter((e) => e.id !== id), entry].sort(byNewest) };
    if (updated && this.consistent(updated)) await this.writeIndex(updated);
    else await this.rebuild();
    return entry;
  }

  /**
   * Copies a run written elsewhere (a CLI --out folder, a sweep cell) into a new run folder and
   * records it. The copy is staged in a dot-folder and renamed, so the run appears whole or not at all.
   */
  async importRun(fromDir: string, report: Report, source: HistorySource): Promise<HistoryEntry> {
    const id = newRunId();
    const staging = join(this.runsDir, `.import-${id}`);
    await mkdir(staging, { recursive: true });
    try {
      for (const name of COPIED_FILES) {
        if (existsSync(join(fromDir, name))) await copyFile(join(fromDir, name), join(staging, name));
      }
      await rename(staging, this.runDir(id));
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    return this.record(id, report, source);
  }

  /** Entries matching the filter, newest first. */
  async list(filter: HistoryFilter = {}): Promise<HistoryEntry[]> {
    return (await this.entries()).filter((e) => matchesFilter(e, filter));
  }

  async entry(id: string): Promise<HistoryEntry> {
    const found = (await this.entries()).find((e) => e.id === id);
    if (!found) throw new EdgescopeError('E_NOT_FOUND', `no run ${id} in the history (${this.runsDir})`);
    return found;
  }

  /** The run's report (validated by the caller if it came from outside). */
  async readReport(id: string): Promise<Report> {
    await this.entry(id);
    const path = join(this.runDir(id), 'report.json');
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Report;
    } catch (err) {
      throw new EdgescopeError('E_NOT_FOUND', `run ${id} has no readable report.json: ${(err as Error).message}`);
    }
  }

  /**
   * Deletes run `id`: its folder is first renamed to a dot-folder (so a crash cannot leave a
   * half-deleted run that a rebuild would list again), then its entry goes and the index is
   * rebuilt, then the files are removed.
   */
  async delete(id: string): Promise<boolean> {
    const dir = this.runDir(id);
    const hasEntry = existsSync(this.entryPath(id));
    if (!existsSync(dir) && !hasEntry) return false;
    const doomed = join(this.runsDir, `.deleted-${id}-${randomBytes(3).toString('hex')}`);
    if (existsSync(dir)) await rename(dir, doomed);
    await rm(this.entryPath(id), { force: true });
    await this.rebuild();
    await rm(doomed, { recursive: true, force: true });
    return true;
  }

  /** The index, rebuilt when it disagrees with the folders. */
  private async entries(): Promise<HistoryEntry[]> {
    const cached = this.readIndex();
    if (cached && this.consistent(cached)) return cached.entries;
    return this.rebuild();
  }

  private readIndex(): IndexFile | null {
    try {
      const parsed = JSON.parse(readFileSync(this.indexPath, 'utf8')) as IndexFile;
      return parsed.version === INDEX_VERSION && Array.isArray(parsed.entries) && parsed.entries.every(isEntry) ? parsed : null;
    } catch {
      return null;
    }
  }

  /** The cache lists exactly the entry files, and every run folder with a report has one. */
  private consistent(index: IndexFile): boolean {
    const listed = new Set(index.entries.map((e) => e.id));
    const entryIds = this.entryIds();
    if (entryIds.length !== listed.size || entryIds.some((id) => !listed.has(id))) return false;
    const runIds = this.completeRunIds();
    return runIds.length === listed.size && runIds.every((id) => listed.has(id));
  }

  /**
   * Entries made whole again from the folders, and index.json rewritten: one atomic write per
   * repaired entry and one for the index. Concurrent rebuilds write the same content or a later
   * one, and an index that missed a concurrent record is caught by the next read's check.
   */
  async rebuild(): Promise<HistoryEntry[]> {
    this.removeStaleTemps(this.historyDir);
    this.removeStaleTemps(this.entriesDir);
    const runIds = new Set(this.completeRunIds());
    const entries: HistoryEntry[] = [];
    const repairs: HistoryEntry[] = [];
    for (const id of runIds) {
      const recorded = this.readEntry(id);
      const entry = recorded ?? this.entryFromRunFolder(id);
      if (!entry) continue;
      if (!recorded) repairs.push(entry);
      entries.push(entry);
    }
    // Entries without a run (the folder was deleted by hand, or a delete died half-way). A run another
    // process completed since the folders were listed has its report.json now: look again before removing.
    for (const id of this.entryIds()) {
      if (!runIds.has(id) && !existsSync(join(this.runsDir, id, 'report.json'))) rmQuiet(this.entryPath(id));
    }
    entries.sort(byNewest);
    // Listing an empty workspace does not create one.
    if (entries.length === 0 && !existsSync(this.historyDir)) return entries;
    const index: IndexFile = { version: INDEX_VERSION, updatedAt: new Date().toISOString(), entries };
    for (const entry of repairs) await writeFileAtomic(this.entryPath(entry.id), `${JSON.stringify(entry)}\n`);
    await this.writeIndex(index);
    return entries;
  }

  private async writeIndex(index: IndexFile): Promise<void> {
    await writeFileAtomic(this.indexPath, `${JSON.stringify(index, null, 1)}\n`);
  }

  private readEntry(id: string): HistoryEntry | null {
    try {
      const parsed = JSON.parse(readFileSync(this.entryPath(id), 'utf8')) as unknown;
      return isEntry(parsed) && parsed.id === id ? parsed : null;
    } catch {
      return null;
    }
  }

  /** A run recorded before its entry was written (or whose entry is corrupt): the entry from its report. */
  private entryFromRunFolder(id: string): HistoryEntry | null {
    try {
      const report = JSON.parse(readFileSync(join(this.runsDir, id, 'report.json'), 'utf8')) as Report;
      const cli = report.tool?.commandLine?.[1];
      return entryFromReport(id, report, cli === 'sweep' ? 'sweep' : cli ? 'cli' : 'app');
    } catch {
      return null;
    }
  }

  private entryPath(id: string): string {
    return join(this.entriesDir, `${checkedId(id)}.json`);
  }

  private entryIds(): string[] {
    return listDir(this.entriesDir)
      .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
      .map((name) => name.slice(0, -'.json'.length));
  }

  /** Run folders holding a report.json; dot-folders are staging, imports and deletions in progress. */
  private completeRunIds(): string[] {
    return listDir(this.runsDir).filter((name) => !name.startsWith('.') && ID_PATTERN.test(name) && existsSync(join(this.runsDir, name, 'report.json')));
  }

  private removeStaleTemps(dir: string): void {
    const now = Date.now();
    for (const name of listDir(dir)) {
      if (!(name.startsWith('.') && name.endsWith('.tmp'))) continue;
      const path = join(dir, name);
      try {
        if (now - statSync(path).mtimeMs > STALE_TEMP_MS) rmQuiet(path);
      } catch {
        // Renamed or removed by its writer meanwhile.
      }
    }
  }
}

function checkedId(id: string): string {
  if (!ID_PATTERN.test(id) || id.length > 128) throw new EdgescopeError('E_BAD_REQUEST', `'${id}' is not a run id`);
  return id;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function rmQuiet(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Someone else removed it first.
  }
}
