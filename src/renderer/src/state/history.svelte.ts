/**
 * The History view's state: the workspace's runs (listRuns with the filters), the run reopened into the
 * report views (openRun registers it with the engine under its id, so export and compare work on it as
 * on a fresh job), deletion, and a side-by-side comparison of two runs picked from the table.
 *
 * Each list request takes a sequence number and only the latest reply is kept: typing in a filter sends
 * several requests whose replies may overtake each other.
 */
import type { HistoryEntry, HistoryFilter, HistoryRunRef, ImportVendorRequest, VendorImportFormat } from '../../../shared/api';
import type { Comparison, Report } from '../../../shared/report';
import type { ApiClient } from '../api/client';
import type { ErrorLine } from './error-line.svelte';
import { RunComparison } from './run-comparison.svelte';

export interface HistoryFilters {
  model: string;
  variant: string;
  backend: string;
  from: string;
  to: string;
}

/** The filters the engine is asked for: empty fields left out. */
export function toFilter(filters: HistoryFilters): HistoryFilter {
  const out: HistoryFilter = {};
  for (const key of ['model', 'variant', 'backend', 'from', 'to'] as const) {
    const value = filters[key].trim();
    if (value !== '') out[key] = value;
  }
  return out;
}

/** The "Import measurements" form: a vendor tool's output file and its format; model and device optional. */
export interface ImportForm {
  file: string;
  format: VendorImportFormat;
  modelPath: string;
  device: string;
}

/** The request the form makes: empty optional fields left out. */
export function toImportRequest(form: ImportForm): ImportVendorRequest {
  const modelPath = form.modelPath.trim();
  const device = form.device.trim();
  return { file: form.file.trim(), format: form.format, ...(modelPath ? { modelPath } : {}), ...(device ? { device } : {}) };
}

/** The first run of an entry: what a comparison of two history runs compares by default. */
export function firstRunOf(entry: HistoryEntry): HistoryRunRef | null {
  const run = entry.runs[0];
  return run ? { runId: entry.id, variant: run.variant, ep: run.ep } : null;
}

export class RunHistoryState {
  entries = $state.raw<HistoryEntry[]>([]);
  loading = $state(false);
  filters = $state<HistoryFilters>({ model: '', variant: '', backend: '', from: '', to: '' });
  /** The reopened run (raw: reports are large and immutable). */
  opened = $state.raw<{ runId: string; report: Report } | null>(null);
  /** Comparison state for the reopened run's own runs (the report views use it). */
  readonly comparison: RunComparison;
  /** Runs ticked for comparing, at most two, in the order ticked. */
  picked = $state.raw<string[]>([]);
  pair = $state.raw<{ baseline: HistoryRunRef; candidate: HistoryRunRef } | null>(null);
  compared = $state.raw<Comparison | null>(null);
  /** The run whose deletion waits for confirmation. */
  confirmingDelete = $state<string | null>(null);
  importForm = $state<ImportForm>({ file: '', format: 'openvino', modelPath: '', device: '' });
  importing = $state(false);
  /** The run the last import made (highlighted in the table). */
  lastImported = $state<string | null>(null);

  private sequence = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly errors: ErrorLine,
  ) {
    this.comparison = new RunComparison(client, errors);
  }

  /** Every value each filter can take, from the unfiltered list (for the filter menus). */
  get choices(): { variants: string[]; backends: string[] } {
    return {
      variants: [...new Set(this.entries.flatMap((e) => e.variants))].sort(),
      backends: [...new Set(this.entries.flatMap((e) => e.backends))].sort(),
    };
  }

  async refresh(): Promise<void> {
    const sequence = ++this.sequence;
    this.loading = true;
    try {
      const entries = await this.client.call('listRuns', toFilter(this.filters));
      if (sequence !== this.sequence) return;
      this.entries = entries;
      // Picks of runs no longer listed go.
      this.picked = this.picked.filter((id) => entries.some((e) => e.id === id));
    } catch (err) {
      if (sequence === this.sequence) this.errors.show('Listing the run history failed', err);
    } finally {
      if (sequence === this.sequence) this.loading = false;
    }
  }

  async open(runId: string): Promise<void> {
    try {
      this.opened = { runId, report: await this.client.call('openRun', { runId }) };
    } catch (err) {
      this.errors.show(`Opening run ${runId} failed`, err);
    }
  }

  close(): void {
    this.opened = null;
  }

  askDelete(runId: string): void {
    this.confirmingDelete = runId;
  }

  cancelDelete(): void {
    this.confirmingDelete = null;
  }

  async confirmDelete(): Promise<void> {
    const runId = this.confirmingDelete;
    if (runId === null) return;
    this.confirmingDelete = null;
    try {
      await this.client.call('deleteRun', { runId });
      if (this.opened?.runId === runId) this.opened = null;
      this.picked = this.picked.filter((id) => id !== runId);
      if (this.pair && (this.pair.baseline.runId === runId || this.pair.candidate.runId === runId)) {
        this.pair = null;
        this.compared = null;
      }
      await this.refresh();
    } catch (err) {
      this.errors.show(`Deleting run ${runId} failed`, err);
    }
  }

  /** Imports the form's vendor file into the history (importVendorReport) and lists it. */
  async importMeasurements(): Promise<void> {
    const request = toImportRequest(this.importForm);
    if (request.file === '' || this.importing) return;
    this.importing = true;
    try {
      const result = await this.client.call('importVendorReport', request);
      this.lastImported = result.runId;
      if (result.historyError) this.errors.show('Recording the import in the history', new Error(result.historyError));
      await this.refresh();
    } catch (err) {
      this.errors.show('Importing the measurements failed', err);
    } finally {
      this.importing = false;
    }
  }

  /** Ticks or unticks a run for comparison; a third tick replaces the oldest. */
  togglePick(runId: string): void {
    this.picked = this.picked.includes(runId) ? this.picked.filter((id) => id !== runId) : [...this.picked, runId].slice(-2);
  }

  /** Compares the two ticked runs' first runs, or the given pair (a run picked in each column). */
  async compare(pair?: { baseline: HistoryRunRef; candidate: HistoryRunRef }): Promise<void> {
    const chosen = pair ?? this.defaultPair();
    if (!chosen) return;
    this.pair = chosen;
    try {
      const result = await this.client.call('compareHistoryRuns', chosen);
      if (this.pair === chosen) this.compared = result;
    } catch (err) {
      if (this.pair === chosen) this.compared = null;
      this.errors.show('Comparing the two runs failed', err);
    }
  }

  entry(runId: string): HistoryEntry | undefined {
    return this.entries.find((e) => e.id === runId);
  }

  private defaultPair(): { baseline: HistoryRunRef; candidate: HistoryRunRef } | null {
    if (this.picked.length !== 2) return null;
    const [a, b] = this.picked.map((id) => this.entry(id));
    const baseline = a && firstRunOf(a);
    const candidate = b && firstRunOf(b);
    return baseline && candidate ? { baseline, candidate } : null;
  }
}
