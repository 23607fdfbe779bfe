/** Wiring: the engine connection and the state objects of one app session, created once per page. */
import type { ApiClient } from '../api/client';
import { connectClient } from '../api/connect';
import { Catalog } from './catalog.svelte';
import { DeviceList } from './device-list.svelte';
import type { ErrorLine } from './error-line.svelte';
import { OpenModel } from './open-model.svelte';
import { ProfileJob } from './profile-job.svelte';
import { RunComparison } from './run-comparison.svelte';
import { RunConfig } from './run-config.svelte';

export interface Session {
  client: ApiClient;
  errors: ErrorLine;
  catalog: Catalog;
  model: OpenModel;
  config: RunConfig;
  job: ProfileJob;
  comparison: RunComparison;
  devices: DeviceList;
}

/** Connects to the engine and builds the session on it; throws when there is no engine to connect to. */
export function createSession(errors: ErrorLine): Session {
  // The job exists only once the client does, but the client must be told now whom to notify of a loss.
  let job: ProfileJob | null = null;
  const client = connectClient((error) => {
    errors.show('Lost the engine', error);
    job?.abandon();
  });
  const catalog = new Catalog(client, errors);
  job = new ProfileJob(client, errors);
  return {
    client,
    errors,
    catalog,
    model: new OpenModel(client, errors, () => void catalog.refreshRecents()),
    config: new RunConfig(),
    job,
    comparison: new RunComparison(client, errors),
    devices: new DeviceList(client, errors),
  };
}
