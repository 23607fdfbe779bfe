/**
 * `npm run bridge [-- --port N]`: the real engine behind the loopback bridge, to use the UI in a browser on
 * this machine (the Electron binary cannot run everywhere). Serves dist/renderer, so build it first
 * (`npm run build:renderer`). Prints the page URL, token included, and runs until interrupted.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { toApiError } from '../../shared/errors';
import { createEngine, packageRoot } from '../engine/engine';
import { startBridge } from './bridge';

function parsePort(args: string[]): number {
  const at = args.indexOf('--port');
  if (at === -1) return 0;
  const port = Number(args[at + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port needs a port number, got ${JSON.stringify(args[at + 1])}`);
  return port;
}

async function main(): Promise<void> {
  const port = parsePort(process.argv.slice(2));
  const staticDir = join(packageRoot(), 'dist', 'renderer');
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(`${staticDir} has no index.html: run \`npm run build:renderer\` first`);
  }
  const engine = createEngine();
  const bridge = await startBridge({ engine, staticDir, port });
  process.stdout.write(`edgescope bridge listening; open this URL (it contains the session token):\n${bridge.url}\n`);

  const stop = (): void => {
    void Promise.allSettled([bridge.close(), engine.dispose()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`edgescope bridge: ${toApiError(err).message}\n`);
  process.exitCode = 1;
});
