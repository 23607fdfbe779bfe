/** What can be opened and run on: demo models, recently opened files, execution providers. */
import type { DemoModel, RecentModel } from '../../../shared/api';
import type { BackendStatus } from '../../../shared/report';
import type { ApiClient } from '../api/client';
import type { ErrorLine } from './error-line.svelte';

export class Catalog {
  demos = $state<DemoModel[]>([]);
  recents = $state<RecentModel[]>([]);
  /** null while the engine probes them (it starts a worker process, so this takes a moment). */
  backends = $state<BackendStatus[] | null>(null);

  constructor(
    private readonly client: ApiClient,
    private readonly errors: ErrorLine,
  ) {}

  async load(): Promise<void> {
    await Promise.all([this.loadDemos(), this.refreshRecents(), this.loadBackends()]);
  }

  async refreshRecents(): Promise<void> {
    try {
      this.recents = await this.client.call('recentModels', {});
    } catch (err) {
      this.errors.show('Listing recent models failed', err);
    }
  }

  private async loadDemos(): Promise<void> {
    try {
      this.demos = await this.client.call('listDemoModels', {});
    } catch (err) {
      this.errors.show('Listing demo models failed', err);
    }
  }

  private async loadBackends(): Promise<void> {
    try {
      this.backends = await this.client.call('listBackends', {});
    } catch (err) {
      this.backends = [];
      this.errors.show('Probing execution providers failed', err);
    }
  }
}
