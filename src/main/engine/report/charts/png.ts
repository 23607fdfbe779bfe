/**
 * SVG -> PNG, rendered by a headless Chromium or Chrome through playwright-core (the same
 * browser the PDF export uses). Without one, the caller gets a one-line reason and the SVG
 * files stay the figures.
 */
import { findChromium } from '../exports/pdf';

/** Twice the SVG's pixel size: sharp enough for a slide or a paper. */
const DEVICE_SCALE = 2;

export type PngRendering = { ok: true; pngs: Uint8Array[] } | { ok: false; reason: string };

/** EDGESCOPE_CHROMIUM when set (and only it), else a Chromium or Chrome on PATH or in /usr/bin. */
export function pngBrowser(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.EDGESCOPE_CHROMIUM) return findChromium(env);
  return findChromium(env) ?? findChromium({ PATH: '/usr/bin' });
}

/** Each SVG document as a PNG of its own width and height, in order. */
export async function svgsToPng(svgs: readonly string[], browserPath = pngBrowser()): Promise<PngRendering> {
  if (!browserPath) {
    return { ok: false, reason: 'PNG charts need Chromium or Chrome, and none was found (set EDGESCOPE_CHROMIUM to its path); the SVG charts were written' };
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return { ok: false, reason: 'PNG charts need the playwright-core package (npm install playwright-core); the SVG charts were written' };
  }
  const browser = await chromium.launch({
    executablePath: browserPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ deviceScaleFactor: DEVICE_SCALE });
    // Nothing the page could load leaves the machine: the SVGs are set inline and every request is refused.
    await page.route('**/*', (route) => route.abort());
    const pngs: Uint8Array[] = [];
    for (const svg of svgs) {
      const { width, height } = svgSize(svg);
      await page.setViewportSize({ width, height });
      await page.setContent(`<!doctype html><html><body style="margin:0">${svg.replace(/^<\?xml[^>]*>\s*/, '')}</body></html>`);
      pngs.push(await page.locator('svg').first().screenshot({ type: 'png' }));
    }
    return { ok: true, pngs };
  } finally {
    await browser.close();
  }
}

export function svgSize(svg: string): { width: number; height: number } {
  const width = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1] ?? 800);
  const height = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1] ?? 400);
  return { width: Math.ceil(width), height: Math.ceil(height) };
}
