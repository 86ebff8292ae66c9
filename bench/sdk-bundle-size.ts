// Size of what an app ships: every entry point of @fleetwire/device-sdk bundled by esbuild from the built
// package (the export condition of its platform), minified, then gzip -9. Baseline in the same run:
// mqtt.js's own browser bundle (node_modules/mqtt/dist/mqtt.esm.js, which the SDK's browser builds
// include) through the same minify + gzip. Also the SDK's own share of each bundle (minified bytes
// from inputs outside node_modules/mqtt, from esbuild's metafile) and sqlite3.wasm, which the worker
// fetches beside its bundle.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { load, report } from './lib.js';

const { build } = await load('esbuild');
const root = fileURLToPath(new URL('../..', import.meta.url)); // bench/dist/ -> the repository
const require = createRequire(import.meta.url);
const gz = (b: Uint8Array) => gzipSync(b, { level: 9 }).length;

interface Sized {
  min: number;
  gzip: number;
  mqttMin: number;
  sqliteMin: number;
  /** Minified bytes of the other inputs by package. */
  groups: Record<string, number>;
}

/** Bundles `code` (imports resolved from the repository root) for `platform` with the given conditions. */
async function bundle(code: string, platform: 'browser' | 'neutral' | 'node', conditions?: string[], mainFields?: string[]): Promise<Sized> {
  const r = await build({
    stdin: { contents: code, resolveDir: root, sourcefile: 'app.js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform,
    metafile: true,
    logLevel: 'silent',
    ...(conditions ? { conditions } : {}),
    ...(mainFields ? { mainFields } : {}),
    ...(platform === 'node' ? { external: ['better-sqlite3'] } : {}),
  });
  const out = r.outputFiles[0]!.contents as Uint8Array;
  const inputs = Object.values(r.metafile.outputs as Record<string, { inputs: Record<string, { bytesInOutput: number }> }>)[0]!.inputs;
  let mqttMin = 0;
  let sqliteMin = 0;
  const groups: Record<string, number> = {};
  for (const [file, i] of Object.entries(inputs)) {
    if (file.includes('node_modules/mqtt/')) mqttMin += i.bytesInOutput;
    else if (file.includes('@sqlite.org/sqlite-wasm')) sqliteMin += i.bytesInOutput;
    else {
      const g = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? /packages\/([^/]+)\//.exec(file)?.[1] ?? (/(^|\/)proto\//.test(file) ? 'proto' : 'other');
      groups[g] = (groups[g] ?? 0) + i.bytesInOutput;
    }
  }
  return { min: out.length, gzip: gz(out), mqttMin, sqliteMin, groups };
}

const kb = (n: number) => n / 1024;
const mqttEsm = fs.readFileSync(path.join(path.dirname(require.resolve('mqtt/package.json')), 'dist/mqtt.esm.js'));
const mqttBase = await bundle(`export * from ${JSON.stringify(path.join(path.dirname(require.resolve('mqtt/package.json')), 'dist/mqtt.esm.js'))};`, 'browser');
const baseline = "mqtt.js's own browser bundle (dist/mqtt.esm.js), min+gzip";
const entries: Array<[string, string, 'browser' | 'neutral' | 'node', string[]?, string[]?]> = [
  ['browser (page: client + WorkerClient)', "export * from '@fleetwire/device-sdk';", 'browser'],
  ['worker (client + OPFS outbox, sqlite-wasm JS)', "export * from '@fleetwire/device-sdk/worker';", 'browser'],
  ['react-native', "export * from '@fleetwire/device-sdk';", 'neutral', ['react-native', 'import'], ['react-native', 'browser', 'module', 'main']],
  ['node (better-sqlite3 external)', "export * from '@fleetwire/device-sdk';", 'node'],
];
const sizes: Array<[string, Sized]> = [];
for (const [name, code, platform, conditions, mainFields] of entries) {
  const s = await bundle(code, platform, conditions, mainFields);
  sizes.push([name, s]);
  const own = s.min - s.mqttMin - s.sqliteMin;
  report({
    bench: 'sdk-bundle',
    metric: `${name} min+gzip`,
    unit: 'KB',
    value: kb(s.gzip),
    baseline,
    baselineValue: kb(mqttBase.gzip),
    lowerIsBetter: true,
    note: `${kb(s.min).toFixed(1)} KB min, of which mqtt.js ${kb(s.mqttMin).toFixed(1)} KB, sqlite-wasm ${kb(s.sqliteMin).toFixed(1)} KB, the rest ${kb(own).toFixed(1)} KB: ${Object.entries(
      s.groups,
    )
      .sort((a, b) => b[1] - a[1])
      .map(([g, b]) => `${g} ${kb(b).toFixed(1)}`)
      .join(', ')}`,
  });
  if (platform !== 'node')
    report({
      bench: 'sdk-bundle',
      metric: `${name}: the SDK and its deps without mqtt.js/sqlite-wasm, min`,
      unit: 'KB',
      value: kb(own),
      note: "minified bytes from esbuild's metafile",
    });
}
const wasm = fs.readFileSync(require.resolve('@sqlite.org/sqlite-wasm/sqlite3.wasm'));
report({
  bench: 'sdk-bundle',
  metric: 'sqlite3.wasm (fetched by the worker) gzip',
  unit: 'KB',
  value: kb(gz(wasm)),
  note: `${kb(wasm.length).toFixed(0)} KB raw; cached by the browser after the first visit`,
});
console.log(
  JSON.stringify({
    bench: 'sdk-bundle',
    groups: Object.fromEntries(sizes.map(([n, s]) => [n, s.groups])),
    mqttEsmRawKB: kb(mqttEsm.length),
    mqttMinGzipKB: kb(mqttBase.gzip),
    mqttMinKB: kb(mqttBase.min),
  }),
);
