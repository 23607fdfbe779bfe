/**
 * The built renderer in Debian's Chromium, for the browser tests: prerequisites, launch, and the few
 * gestures several tests make. The page is served by a bridge the test starts (real or fake engine).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBridge, type Bridge } from '../../src/main/bridge/bridge';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import type { ProfileRequest } from '../../src/shared/api';
import type { Report } from '../../src/shared/report';
import type { FakeEngine } from '../bridge/fake-engine';
import { tempDir } from '../helpers';

const CHROMIUM = '/usr/bin/chromium';
/** dist/renderer, built by `npm run pretest` (npm run build:renderer). */
export const STATIC_DIR = resolve(__dirname, '../../dist/renderer');

/** Lane geometry of the timeline (Timeline.svelte): lanes 24 px high, 6 px apart, the first 6 px down. */
const LANE_PITCH_PX = 30;
const FIRST_LANE_CENTRE_PX = 6 + 12;

export function requirePrerequisites(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`);
  }
  if (!existsSync(join(STATIC_DIR, 'index.html'))) {
    throw new Error(`${STATIC_DIR}/index.html is missing: run \`npm run build:renderer\` (npm test does it in pretest)`);
  }
}

export interface AppPage {
  browser: Browser;
  page: Page;
  /** Console errors (CSP violations included) and uncaught page errors: a test run should end with none. */
  problems: string[];
}

export async function openApp(url: string): Promise<AppPage> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1480, height: 940 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(url);
  return { browser, page, problems };
}

export async function numberAttribute(page: Page, selector: string, name: string): Promise<number> {
  return Number(await page.locator(selector).first().getAttribute(name));
}

/**
 * Sweeps the pointer left to right along a timeline lane until the span tooltip shows, and returns the
 * canvas box (in page coordinates) and the lane's y. Throws when no span is under the sweep.
 */
export async function hoverFirstSpan(page: Page, lane: number): Promise<{ box: { x: number; y: number; width: number; height: number }; laneY: number }> {
  const canvas = page.getByTestId('timeline').locator('canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  if (!box) throw new Error('the timeline canvas has no box');
  const laneY = box.y + FIRST_LANE_CENTRE_PX + lane * LANE_PITCH_PX;
  const tooltip = page.getByTestId('span-tooltip');
  for (let x = box.x + 2; x < box.x + box.width; x += 3) {
    await page.mouse.move(x, laneY);
    if (await tooltip.isVisible()) return { box, laneY };
  }
  throw new Error(`no span under the pointer along lane ${lane}`);
}

/** The app served by a bridge over a fake engine, with the demo job already run to completion. */
export interface ProfiledFakeApp extends AppPage {
  bridge: Bridge;
  close(): Promise<void>;
}

export async function openProfiledFakeApp(engine: FakeEngine): Promise<ProfiledFakeApp> {
  requirePrerequisites();
  const bridge = await startBridge({ engine, staticDir: STATIC_DIR });
  const app = await openApp(bridge.url);
  await app.page.locator('[data-testid="demo-model"]').first().click();
  await app.page.getByTestId('run-button').click();
  await app.page.waitForSelector('[data-testid="job-status"][data-phase="done"]', { timeout: 60_000 });
  return {
    ...app,
    bridge,
    async close() {
      await app.browser.close();
      await bridge.close();
      engine.dispose();
    },
  };
}

/** The app served by a bridge in front of a real engine whose workspace and cache live in a temporary folder. */
export interface EngineApp extends AppPage {
  /** The temporary folder (workspace/, cache/); removed after the test file. */
  dir: string;
  engine: Engine;
  bridge: Bridge;
  close(): Promise<void>;
}

/** `prepare` runs on the engine before the page opens (e.g. runs to find in the history). */
export async function openEngineApp(prefix: string, prepare?: (engine: Engine, dir: string) => Promise<void>): Promise<EngineApp> {
  requirePrerequisites();
  const dir = tempDir(prefix);
  const engine = createEngine({ workspaceDir: join(dir, 'workspace'), cacheDir: join(dir, 'cache') });
  await prepare?.(engine, dir);
  const bridge = await startBridge({ engine, staticDir: STATIC_DIR });
  const app = await openApp(bridge.url);
  return {
    ...app,
    dir,
    engine,
    bridge,
    async close() {
      await app.browser.close();
      await bridge.close();
      await engine.dispose();
    },
  };
}

/** Starts a profile job on the engine and resolves with its report (rejects with the job's error). */
export async function profileAndWait(engine: Engine, request: ProfileRequest): Promise<Report> {
  const done = new Promise<Report>((resolveDone, reject) => {
    engine.on('jobDone', ({ report }) => resolveDone(report));
    engine.on('jobFailed', ({ error }) => reject(new Error(error.message)));
  });
  await engine.call('startProfile', request);
  return done;
}
