/**
 * The HTML report's stylesheet. System fonts only (the report must not load anything).
 * The phase colours are defined once here, as custom properties used by the charts'
 * SVG classes, the tables' split bars and the legend alike:
 * memory = blue, compute = orange (a pair that stays distinct for colour-blind readers),
 * overhead = grey (time the roofline model does not attribute to either).
 */
export const REPORT_CSS = `
:root {
  --memory: #3d74b6;
  --compute: #e3862b;
  --overhead: #a7abb1;
  --text: #1d2127;
  --muted: #5f6873;
  --faint: #8a929c;
  --rule: #dde1e6;
  --rule-strong: #c3c9d0;
  --panel: #f6f7f9;
  --accent: #1f5fa8;
  --good: #1d7a45;
  --bad: #b3261e;
  --warn-bg: #fff7e6;
  --warn-rule: #f0c36d;
  --mono: ui-monospace, "SF Mono", "Cascadia Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  color: var(--text);
  background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1280px; margin: 0 auto; padding: 28px 36px 72px; }
h1 { font-size: 26px; font-weight: 650; letter-spacing: -0.01em; margin: 2px 0 2px; }
h2 {
  font-size: 18px; font-weight: 650; margin: 40px 0 6px; padding-top: 18px;
  border-top: 1px solid var(--rule);
}
h3 { font-size: 14px; font-weight: 650; margin: 22px 0 8px; }
p { margin: 6px 0; }
.lede { color: var(--muted); margin: 0 0 14px; max-width: 92ch; }
.eyebrow { color: var(--muted); font-size: 12.5px; letter-spacing: 0.02em; }
.mono, code { font-family: var(--mono); font-size: 12.5px; }
.path { color: var(--muted); word-break: break-all; }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }

.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); gap: 12px; margin-top: 18px; }
.card { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px; padding: 10px 14px 12px; }
.card h3 { margin: 0 0 6px; font-size: 11.5px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0; font-size: 13px; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }

.headline { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 12px; }
.headline .card { background: #fff; }
/* Headline titles are variant ids and EP names: data, so shown as written, not upper-cased. */
.headline .card h3 { text-transform: none; letter-spacing: 0; font-size: 13px; color: var(--text); }
.big { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; letter-spacing: -0.01em; }
.verdict { font-weight: 600; }
.verdict.faster { color: var(--good); }
.verdict.slower { color: var(--bad); }
.verdict.same { color: var(--muted); }

table { border-collapse: collapse; font-size: 13px; margin: 6px 0 4px; }
.table-wrap { overflow-x: auto; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: baseline; }
th {
  font-weight: 600; color: var(--muted); font-size: 12px; border-bottom: 1px solid var(--rule-strong);
  white-space: nowrap; vertical-align: bottom;
}
th .unit { font-weight: 400; color: var(--faint); font-size: 11px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { font-family: var(--mono); font-size: 12.5px; min-width: 20ch; max-width: 46ch; overflow-wrap: anywhere; }
tbody tr:hover td { background: #f9fafb; }
td.flags { color: var(--muted); font-size: 12px; max-width: 42ch; }
.yes { color: var(--good); }
.no { color: var(--bad); }

.split { display: inline-flex; width: 120px; height: 10px; border-radius: 2px; overflow: hidden; vertical-align: middle; background: #eef0f3; }
.split > span { display: block; height: 100%; }
.split.wide { width: 100%; height: 12px; margin: 8px 0 4px; }
.split-memory, .swatch.memory { background: var(--memory); }
.split-compute, .swatch.compute { background: var(--compute); }
.split-overhead, .swatch.overhead { background: var(--overhead); }

.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; font-size: 13px; margin: 8px 0; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.method { background: var(--panel); border-left: 3px solid var(--rule-strong); padding: 8px 12px; margin: 10px 0 14px; max-width: 100ch; font-size: 13px; }

.warnings { background: var(--warn-bg); border: 1px solid var(--warn-rule); border-radius: 6px; padding: 10px 14px; margin-top: 20px; }
.warnings h2 { border: 0; margin: 0 0 4px; padding: 0; font-size: 14px; }
.warnings ul { margin: 0; padding-left: 18px; }
/* Power & heat (power-section.ts): the evidence behind each throttling verdict. */
ul.evidence { margin: 0; padding-left: 16px; }
.throttle-warning { margin: 8px 0 12px; }
/* Sparse execution (hybrid-section.ts): a choice the user forced. */
.forced { color: var(--accent); font-size: 11.5px; font-weight: 600; }

details { margin: 10px 0; }
summary { cursor: pointer; color: var(--accent); font-size: 13px; }

.chart { width: 100%; margin: 8px 0 4px; min-height: 40px; }
.chart svg { display: block; overflow: visible; font-size: 11.5px; }
.hint { color: var(--faint); font-size: 12px; margin: 0; }
.axis text { fill: var(--muted); font-variant-numeric: tabular-nums; }
.axis path, .axis line { stroke: var(--rule-strong); }
.grid line { stroke: #eceef1; }
.grid path { display: none; }
.axis-label { fill: var(--muted); font-size: 11.5px; }
.row-label { fill: var(--text); font-family: var(--mono); font-size: 11.5px; }
.row-detail { fill: var(--faint); font-size: 10.5px; }
.group-label { fill: var(--text); font-weight: 600; font-size: 12.5px; }
.value-label { fill: var(--muted); font-size: 11px; font-variant-numeric: tabular-nums; }
.low-confidence .row-label { fill: var(--muted); font-style: italic; }
.phase-memory { fill: var(--memory); }
.phase-compute { fill: var(--compute); }
.phase-overhead { fill: var(--overhead); }
.span .phase { stroke: #fff; stroke-width: 0.5; }
.span:hover .phase { stroke: var(--text); }
.op-bar:hover .phase { opacity: 0.85; }
.span-label { fill: #fff; font-size: 10.5px; pointer-events: none; font-family: var(--mono); }
.lane-window { fill: var(--panel); stroke: var(--rule); }
.timeline { cursor: grab; }
.run-mark { fill: var(--accent); fill-opacity: 0.45; }
.ci line { stroke: var(--text); stroke-width: 1.4; }
.ci .median-mark { stroke: var(--text); stroke-width: 3; }
.counter-grid { display: grid; gap: 16px; }
.counter-chart { margin: 0; }
.counter-chart figcaption { font-size: 12.5px; font-weight: 600; margin-bottom: 2px; }
.counter-line { fill: none; stroke: var(--accent); stroke-width: 1.5; }
.timed-window { fill: var(--accent); fill-opacity: 0.07; }
.counter-source { color: var(--faint); font-size: 11.5px; }
footer { margin-top: 48px; color: var(--faint); font-size: 12px; border-top: 1px solid var(--rule); padding-top: 10px; }

@media print {
  main { padding: 0; max-width: none; }
  h2 { break-after: avoid; }
  .chart, table { break-inside: avoid; }
}
/* roofline (roofline.ts) */
.rl-grid { stroke: #e5e7eb; }
.rl-tick { font-size: 10px; fill: #6b7280; }
.rl-roof { fill: none; stroke: #1b1f24; stroke-width: 1.5; }
.rl-roof.rl-cache { stroke: #6b7280; stroke-dasharray: 5 3; }
.rl-point { stroke: #fff; stroke-width: 0.8; opacity: 0.85; }
.rl-legend { display: inline-flex; align-items: center; gap: 4px; margin-right: 12px; font-size: 12px; }
`;
