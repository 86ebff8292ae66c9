import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the TypeScript sources: workspace packages are aliased to their src/.
const alias = {
  '@fleetwire/proto': src('./proto/src/index.ts'),
  '@fleetwire/detect': src('./packages/detect/src/index.ts'),
  '@fleetwire/device-sdk': src('./packages/device-sdk/src/index.ts'),
  '@fleetwire/gateway': src('./packages/gateway/src/index.ts'),
  '@fleetwire/scoring': src('./packages/scoring/src/index.ts'),
  '@fleetwire/test-kit': src('./packages/test-kit/src/index.ts'),
  '@fleetwire/runtime': src('./packages/runtime/src/index.ts'),
  '@fleetwire/firmware-sim': src('./firmware-sim/src/index.ts'),
  '@fleetwire/demo': src('./demo/src/index.ts'),
};

const roots = ['proto', 'packages/*', 'firmware-sim', 'demo', 'bench', 'test', 'examples/*'];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: roots.map((r) => `${r}/test/**/*.test.ts`).concat('test/unit/**/*.test.ts'),
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: roots
            .map((r) => `${r}/test/**/*.int.test.ts`)
            .concat('test/integration/**/*.int.test.ts', 'test/e2e/**/*.int.test.ts', 'test/chaos/**/*.int.test.ts'),
          exclude: ['**/node_modules/**'],
          // One shared Kafka/Postgres/Redis on a 2-core machine: run files one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
