import { describe, expect, it } from 'vitest';
import { isAppUrl, type RendererSource } from '../../src/main/host/security';

describe('isAppUrl', () => {
  const built: RendererSource = { kind: 'file', indexUrl: 'file:///opt/edgescope/out/renderer/index.html' };
  const dev: RendererSource = { kind: 'devServer', origin: 'http://localhost:5173' };

  it("accepts the built renderer's own files only", () => {
    expect(isAppUrl(built, 'file:///opt/edgescope/out/renderer/index.html')).toBe(true);
    expect(isAppUrl(built, 'file:///opt/edgescope/out/renderer/assets/index-abc.js')).toBe(true);
    expect(isAppUrl(built, 'file:///opt/edgescope/out/renderer-evil/index.html')).toBe(false);
    expect(isAppUrl(built, 'file:///opt/edgescope/out/main/index.js')).toBe(false);
    expect(isAppUrl(built, 'https://example.com/')).toBe(false);
    expect(isAppUrl(built, 'not a url')).toBe(false);
  });

  it("accepts the dev server's pages and its hot-reload socket, nothing else", () => {
    expect(isAppUrl(dev, 'http://localhost:5173/src/main.ts')).toBe(true);
    expect(isAppUrl(dev, 'ws://localhost:5173/')).toBe(true);
    expect(isAppUrl(dev, 'http://localhost:5174/')).toBe(false);
    expect(isAppUrl(dev, 'https://localhost:5173/')).toBe(false);
    expect(isAppUrl(dev, 'file:///etc/passwd')).toBe(false);
  });
});
