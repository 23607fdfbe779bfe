/**
 * The machine's devices as the engine sees them (listDevices): CPU, memory, GPUs, recognised accelerators
 * and the EPs of this onnxruntime-node. Loaded while the Devices panel is open, and again on every
 * devicesChanged (a USB device came or went). Replies can overtake each other when events come quickly,
 * so each request takes a sequence number and only the reply to the latest one is kept.
 */
import type { DeviceInventory } from '../../../shared/devices';
import type { ApiClient } from '../api/client';
import type { ErrorLine } from './error-line.svelte';

export class DeviceList {
  /** null until the first answer (the first one probes the EPs, which takes a moment). */
  inventory = $state<DeviceInventory | null>(null);
  loading = $state(false);
  /** How many answers have arrived: the browser tests wait on it after a change. */
  loads = $state(0);
  private sequence = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly errors: ErrorLine,
  ) {}

  /** Loads now and on every devicesChanged, until the returned function is called. */
  watch(): () => void {
    void this.refresh();
    return this.client.on('devicesChanged', () => void this.refresh());
  }

  async refresh(): Promise<void> {
    const mine = ++this.sequence;
    this.loading = true;
    try {
      const inventory = await this.client.call('listDevices', {});
      if (mine !== this.sequence) return;
      this.inventory = inventory;
      this.loads++;
    } catch (err) {
      if (mine === this.sequence) this.errors.show('Listing devices failed', err);
    } finally {
      if (mine === this.sequence) this.loading = false;
    }
  }
}
