import { defineConfig } from 'tsup';

// One build, four entry points (see package.json "exports"): index (Node, better-sqlite3), browser (page),
// worker (dedicated Worker with sqlite-wasm/OPFS), react-native. Shared code is split into chunks.
export default defineConfig({
  entry: ['src/index.ts', 'src/browser.ts', 'src/worker.ts', 'src/react-native.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['better-sqlite3', 'mqtt', '@fleetwire/proto', '@fleetwire/detect', '@sqlite.org/sqlite-wasm'],
});
