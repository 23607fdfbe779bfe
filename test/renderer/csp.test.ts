import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RENDERER_CSP_HEADER, RENDERER_CSP_META } from '../../src/renderer/csp';

describe('the renderer CSP', () => {
  it("index.html carries exactly the policy in csp.ts (the headers' copy)", () => {
    const html = readFileSync(resolve(__dirname, '../../src/renderer/index.html'), 'utf8');
    const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/);
    expect(meta?.[1]).toBe(RENDERER_CSP_META);
  });

  it('allows only the app itself to run script and connect', () => {
    const directives = new Map(RENDERER_CSP_HEADER.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(RENDERER_CSP_HEADER).not.toMatch(/unsafe-eval|https?:|\*/);
  });
});
