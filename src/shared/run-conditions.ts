/**
 * A run's conditions in one line for people (CLI summary, the app's results header): governor,
 * frequency, hottest sensor and power source, with the unreadable ones said briefly.
 */
import type { EnvironmentInfo } from './report';

export function runConditions(env: EnvironmentInfo): string {
  const known = (v: unknown): boolean => !(typeof v === 'string' && v.startsWith('unavailable: '));
  const hottest = Array.isArray(env.temperatures) && env.temperatures.length > 0 ? Math.max(...env.temperatures.map((t) => t.celsius)) : null;
  return [
    known(env.cpuGovernor) ? `governor ${env.cpuGovernor}` : 'governor unknown',
    typeof env.cpuFrequencyMhz.current === 'number' ? `${(env.cpuFrequencyMhz.current / 1000).toFixed(2)} GHz` : 'frequency unknown',
    hottest !== null ? `hottest sensor ${hottest.toFixed(0)} °C` : 'temperature unknown',
    known(env.powerSource) ? `on ${env.powerSource}` : 'power source unknown',
  ].join(', ');
}
