// Bundles an SDK entry point with esbuild for its platform (shared by the bundle unit test, the browser
// test and the bench): workspace packages from source, Node built-ins and native modules refused.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = (p: string) => fileURLToPath(new URL(`../../../../${p}`, import.meta.url));

export const ENTRIES = {
  node: { file: 'packages/device-sdk/src/index.ts', platform: 'node' },
  browser: { file: 'packages/device-sdk/src/browser.ts', platform: 'browser' },
  worker: { file: 'packages/device-sdk/src/worker.ts', platform: 'browser' },
  'react-native': { file: 'packages/device-sdk/src/react-native.ts', platform: 'react-native' },
} as const;
export type EntryName = keyof typeof ENTRIES;

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const NATIVE = /(^|\/)(better-sqlite3|bindings|node-gyp-build|prebuild-install)(\/|$)|\.node$/;

/** Fails the build on any import of a Node built-in or a native module, naming who imported it. */
export function refuseNode(): Plugin {
  return {
    name: 'refuse-node',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => {
        if (NODE_BUILTINS.has(a.path) || NATIVE.test(a.path))
          return { errors: [{ text: `imports ${a.path} (from ${a.importer || 'entry'}): not allowed in a browser / React Native bundle` }] };
        return undefined;
      });
    },
  };
}

export interface BundleResult {
  code: string;
  inputs: string[];
}

/** Bundles (minified) `entry` for its platform; throws with esbuild's errors. */
export async function bundleEntry(entry: EntryName, o: { outfile?: string; minify?: boolean } = {}): Promise<BundleResult> {
  const e = ENTRIES[entry];
  const rn = e.platform === 'react-native';
  const r = await build({
    entryPoints: [root(e.file)],
    bundle: true,
    write: Boolean(o.outfile),
    ...(o.outfile ? { outfile: o.outfile } : { outdir: '/nonexistent' }),
    format: 'esm',
    minify: o.minify ?? true,
    metafile: true,
    logLevel: 'silent',
    platform: e.platform === 'node' ? 'node' : rn ? 'neutral' : 'browser',
    target: 'es2022',
    // Metro resolves the react-native condition, then browser fields.
    ...(rn ? { conditions: ['react-native', 'import'], mainFields: ['react-native', 'browser', 'module', 'main'] } : {}),
    alias: { '@fleetwire/proto': root('proto/src/index.ts') },
    external: e.platform === 'node' ? ['better-sqlite3'] : [],
    plugins: e.platform === 'node' ? [] : [refuseNode()],
  });
  const out = r.outputFiles?.[0]?.text ?? '';
  return { code: out, inputs: Object.keys(r.metafile!.inputs) };
}
