// Every entry point bundles with esbuild for its platform; the browser, worker and React Native bundles
// contain no Node built-in and no native module (the plugin fails the build on one), and the package's
// export conditions point each platform at the matching built entry.
import fs from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleEntry, refuseNode } from './bundle/bundle-entry.js';

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, Record<string, unknown>> };

describe('bundles per platform', () => {
  for (const entry of ['browser', 'worker', 'react-native'] as const) {
    it(`${entry}: bundles without Node built-ins or native modules`, async () => {
      const b = await bundleEntry(entry);
      expect(b.code.length).toBeGreaterThan(10_000);
      expect(b.inputs.some((i) => i.includes('better-sqlite3') || i.includes('adapters/sqlite-storage'))).toBe(false);
      expect(b.inputs.some((i) => i.includes('mqtt/dist/mqtt.esm.js'))).toBe(true); // mqtt's own browser build
      if (entry === 'worker') expect(b.inputs.some((i) => i.includes('@sqlite.org/sqlite-wasm'))).toBe(true);
      else expect(b.inputs.some((i) => i.includes('@sqlite.org/sqlite-wasm'))).toBe(false);
    }, 60_000);
  }

  it('node: bundles with better-sqlite3 (unchanged API: SqliteStorage, { path })', async () => {
    const b = await bundleEntry('node', { minify: false });
    expect(b.inputs.some((i) => i.includes('adapters/sqlite-storage'))).toBe(true);
    expect(b.code).toContain('better-sqlite3');
  }, 60_000);

  it('the guard catches a Node built-in and a native module', async () => {
    const tryImport = (spec: string) =>
      build({
        stdin: { contents: `import x from '${spec}'; console.log(x);`, resolveDir: process.cwd() },
        bundle: true,
        write: false,
        platform: 'browser',
        logLevel: 'silent',
        plugins: [refuseNode()],
      });
    await expect(tryImport('node:crypto')).rejects.toThrow(/node:crypto.*not allowed/);
    await expect(tryImport('fs')).rejects.toThrow(/fs.*not allowed/);
    await expect(tryImport('better-sqlite3')).rejects.toThrow(/better-sqlite3.*not allowed/);
  });

  it('package.json export conditions map each platform to its entry', () => {
    const dot = pkg.exports['.']!;
    expect((dot['react-native'] as { default: string }).default).toBe('./dist/react-native.js');
    expect((dot.browser as { default: string }).default).toBe('./dist/browser.js');
    expect((dot.node as { default: string }).default).toBe('./dist/index.js');
    expect(dot.import).toBe('./dist/index.js');
    expect((pkg.exports['./worker'] as { default: string }).default).toBe('./dist/worker.js');
    // react-native must come before browser: Metro may enable both conditions.
    const keys = Object.keys(dot);
    expect(keys.indexOf('react-native')).toBeLessThan(keys.indexOf('browser'));
  });
});
