// Benchmark of the run-history index (not a vitest suite): npm run build:node && node test/engine/history/index-bench.js 1000
// N recorded runs (tiny reports), then: time of recording one more,
// of listing with a valid index, of a filtered list, and of a rebuild from the folders (index deleted).
const { RunHistory } = require(require('node:path').join(__dirname, '../../../dist/node/src/main/engine/history/index.js'));
const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const N = Number(process.argv[2] ?? 1000);
const ws = mkdtempSync(join(tmpdir(), 'hist-bench-'));
const report = { schemaVersion: 1, generatedAt: '', tool: {}, model: { path: '/m/x.onnx', sha256: 'x' }, settings: { batch: 1, threads: 1 },
  variants: [{ id: 'dense', runs: [{ ep: 'cpu', latencyMs: { median: 1 } }] }] };
const ms = (t) => (Number(process.hrtime.bigint() - t) / 1e6).toFixed(1);
(async () => {
  const h = new RunHistory(ws);
  const run = async (i) => {
    const id = `r${String(i).padStart(6, '0')}`;
    mkdirSync(h.runDir(id), { recursive: true });
    const r = { ...report, generatedAt: new Date(Date.UTC(2026, 0, 1) + i * 60000).toISOString() };
    writeFileSync(join(h.runDir(id), 'report.json'), JSON.stringify(r));
    await h.record(id, r, 'cli');
  };
  for (let i = 0; i < N; i++) await run(i);
  let t = process.hrtime.bigint(); await run(N); console.log(`record run #${N + 1}: ${ms(t)} ms`);
  t = process.hrtime.bigint(); const all = await h.list(); console.log(`list (index valid): ${ms(t)} ms, ${all.length} runs`);
  t = process.hrtime.bigint(); await h.list({ model: 'x', from: '2026-01-01', to: '2026-01-01' }); console.log(`filtered list: ${ms(t)} ms`);
  rmSync(join(ws, 'history', 'index.json'));
  t = process.hrtime.bigint(); await h.list(); console.log(`list after the index was deleted (rebuild): ${ms(t)} ms`);
  rmSync(ws, { recursive: true, force: true });
})();
