/**
 * Tick positions and labels for the timeline's time axis. The unit follows the size of the times shown (ns,
 * µs, ms, s), like a clock, and the decimals follow the tick step, so neighbouring labels never read the same
 * at any zoom.
 */
import { format, precisionFixed } from 'd3';
import type { TimeScale } from './timeline-layout';

export interface TimeTick {
  xPx: number;
  label: string;
}

const UNITS = [
  { name: 'ns', perMs: 1e6, below: 1e-3 },
  { name: 'µs', perMs: 1e3, below: 1 },
  { name: 'ms', perMs: 1, below: 1e3 },
  { name: 's', perMs: 1e-3, below: Infinity },
] as const;

export function timeTicks(x: TimeScale, count: number): TimeTick[] {
  const [d0, d1] = x.domain();
  const magnitude = Math.max(Math.abs(d0), Math.abs(d1));
  const unit = UNITS.find((u) => magnitude < u.below) ?? UNITS[UNITS.length - 1];
  const ticks = x.ticks(count);
  const stepMs = ticks.length > 1 ? ticks[1] - ticks[0] : Math.abs(d1 - d0);
  const fmt = format(`,.${precisionFixed(stepMs * unit.perMs)}f`);
  return ticks.map((ms) => ({ xPx: x(ms), label: `${fmt(ms * unit.perMs)} ${unit.name}` }));
}
