/**
 * PDF from the self-contained HTML report, printed by a headless Chromium or Chrome
 * found on this machine (the app prints with Electron instead). No browser: a clear
 * error naming what was looked for.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EdgescopeError } from '../../../../shared/errors';
import { findExecutable } from '../../files/find-executable';

const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];
const PRINT_TIMEOUT_MS = 60_000;


/** EDGESCOPE_CHROMIUM, else the first Chromium/Chrome on PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  return findExecutable(BROWSER_NAMES, env, env.EDGESCOPE_CHROMIUM);
}

/** Prints an HTML document to PDF bytes with the headless browser (the engine's default PDF printer). */
export async function printHtmlWithChromium(html: string): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'edgescope-pdf-'));
  try {
    await writeFile(join(dir, 'report.html'), html);
    await htmlToPdf(join(dir, 'report.html'), join(dir, 'report.pdf'));
    return await readFile(join(dir, 'report.pdf'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function htmlToPdf(htmlPath: string, pdfPath: string, browser = findChromium()): Promise<void> {
  if (!browser) {
    throw new EdgescopeError(
      'E_OUTPUT',
      `PDF export needs Chromium or Chrome, and none was found (looked for ${BROWSER_NAMES.join(', ')} on PATH; set EDGESCOPE_CHROMIUM to its path), or open report.html and print it`,
    );
  }
  const temp = `${pdfPath}.${process.pid}.tmp.pdf`;
  const args = [
    '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-pdf-header-footer', '--run-all-compositor-stages-before-draw', '--virtual-time-budget=5000',
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    `--print-to-pdf=${temp}`,
    pathToFileURL(htmlPath).href,
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(browser, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), PRINT_TIMEOUT_MS);
      child.on('error', (err) => reject(new EdgescopeError('E_OUTPUT', `could not start ${browser}: ${err.message}`)));
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new EdgescopeError('E_OUTPUT', `${browser} failed to print the PDF (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
      });
    });
    await rename(temp, pdfPath);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
