/**
 * Every profile job records into the run history: point the whole test run (workers and
 * the CLI processes they spawn inherit the variable) at a temporary workspace, never the
 * user's, and remove it afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const workspace = mkdtempSync(join(tmpdir(), 'edgescope-test-workspace-'));
  process.env.EDGESCOPE_WORKSPACE = workspace;
  return () => rmSync(workspace, { recursive: true, force: true });
}
