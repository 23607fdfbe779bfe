import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORT_JSON_SCHEMA, reportSchemaErrors } from '../../../src/main/engine/report/report-schema';
import { REPO_ROOT } from '../../helpers';
import { buildSampleReport as sampleReport } from '../../fixtures/reports/sample-report';

describe('report schema', () => {
  it('docs/report.schema.json is generated from the schema module', () => {
    const documented = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/report.schema.json'), 'utf8'));
    expect(documented).toEqual(JSON.parse(JSON.stringify(REPORT_JSON_SCHEMA)));
  });

  it('accepts a complete report', () => {
    expect(reportSchemaErrors(sampleReport())).toEqual([]);
  });

  it('rejects reports with missing or wrong fields, naming them', () => {
    const noVersion = { ...sampleReport(), schemaVersion: 2 };
    expect(reportSchemaErrors(noVersion).join('\n')).toMatch(/\/schemaVersion/);
    const report = sampleReport();
    delete (report.machine.ceilings as Partial<typeof report.machine.ceilings>).peakFlopsPerSec;
    expect(reportSchemaErrors(report).join('\n')).toMatch(/\/machine\/ceilings must have required property 'peakFlopsPerSec'/);
    const badStats = sampleReport();
    badStats.variants[0].runs[0].latencyMs.ci95 = [1] as unknown as [number, number];
    expect(reportSchemaErrors(badStats).join('\n')).toMatch(/latencyMs\/ci95/);
    const unexplained = sampleReport();
    unexplained.variants[0].runs[0].counters.push({ name: 'perf.cycles', unit: 'count', available: false, source: 'perf' });
    expect(reportSchemaErrors(unexplained).join('\n')).toMatch(/must have required property 'reason'/);
  });
});
