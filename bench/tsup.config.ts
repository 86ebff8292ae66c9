import { readdirSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Every bench/*.ts is its own entry; workspace packages stay external (their dist/ is used).
const entries = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.ts') && !f.endsWith('.config.ts') && !f.endsWith('.d.ts'));

export default defineConfig({
  entry: entries,
  format: ['esm'],
  target: 'node20',
  clean: true,
  dts: false,
  splitting: false,
  external: [/^@fleetwire\//],
});
