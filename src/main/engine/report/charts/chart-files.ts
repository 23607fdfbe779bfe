/**
 * Charts as files in an export folder: charts/<id>.svg, and charts/<id>.png when a browser can
 * render them. A missing browser is not a failure of the export: the SVGs are written and the
 * caller gets the one-line reason to show.
 */
import type { SvgChart } from '../../../../shared/api';
import { svgsToPng } from './png';

export const CHARTS_DIR = 'charts';

export interface ChartFile {
  /** Relative to the export folder, e.g. charts/latency.svg. */
  name: string;
  content: string | Uint8Array;
}

export function svgFiles(charts: readonly SvgChart[]): ChartFile[] {
  return charts.map((c) => ({ name: `${CHARTS_DIR}/${c.id}.svg`, content: c.svg }));
}

export async function pngFiles(charts: readonly SvgChart[]): Promise<{ files: ChartFile[]; problem?: string }> {
  const rendering = await svgsToPng(charts.map((c) => c.svg));
  if (!rendering.ok) return { files: [], problem: rendering.reason };
  return { files: charts.map((c, i) => ({ name: `${CHARTS_DIR}/${c.id}.png`, content: rendering.pngs[i] })) };
}
