import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // Runs in Node, browsers and React Native: no Node built-ins in this package.
  target: 'es2022',
  platform: 'neutral',
});
