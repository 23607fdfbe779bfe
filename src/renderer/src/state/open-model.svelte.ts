/**
 * The model being looked at. Opened by path when the engine can read the file directly (demo models, recent
 * files, and in Electron any picked or dropped file), otherwise by sending its bytes (importModel).
 */
import type { ModelSummary } from '../../../shared/api';
import type { ApiClient } from '../api/client';
import type { ErrorLine } from './error-line.svelte';

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const dataUrl = String(reader.result);
      resolve(dataUrl.slice(dataUrl.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

export class OpenModel {
  /** Raw: a summary is replaced whole, never edited. */
  summary = $state.raw<ModelSummary | null>(null);
  /** Name of the file being opened, while it is. */
  opening = $state<string | null>(null);

  constructor(
    private readonly client: ApiClient,
    private readonly errors: ErrorLine,
    private readonly onOpened: () => void,
  ) {}

  async openPath(path: string): Promise<void> {
    await this.open(path.split(/[\\/]/).pop() ?? path, () => this.client.call('openModel', { path }));
  }

  async openFile(file: File): Promise<void> {
    const path = this.client.pathForFile(file);
    if (path) return this.openPath(path);
    await this.open(file.name, async () => this.client.call('importModel', { fileName: file.name, dataBase64: await readAsBase64(file) }));
  }

  private async open(name: string, load: () => Promise<ModelSummary>): Promise<void> {
    this.opening = name;
    try {
      this.summary = await load();
      this.errors.clear();
      this.onOpened();
    } catch (err) {
      this.errors.show(`Opening ${name} failed`, err);
    } finally {
      this.opening = null;
    }
  }
}
