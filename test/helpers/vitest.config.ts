// Runs the end-to-end and chaos suites on their own:
//   npx vitest run --config test/helpers/vitest.config.ts [test/e2e | test/chaos]
// (the root vitest.config.ts needs 'test/e2e/**/*.int.test.ts' and 'test/chaos/**/*.int.test.ts' in its
// integration include for `npm test` to run them).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const alias = {
  '@fleetwire/proto': src('../../proto/src/index.ts'),
  '@fleetwire/device-sdk': src('../../packages/device-sdk/src/index.ts'),
  '@fleetwire/gateway': src('../../packages/gateway/src/index.ts'),
  '@fleetwire/scoring': src('../../packages/scoring/src/index.ts'),
  '@fleetwire/runtime': src('../../packages/runtime/src/index.ts'),
};

export default defineConfig({
  root: src('../..'),
  resolve: { alias },
  test: {
    include: ['test/e2e/**/*.int.test.ts', 'test/chaos/**/*.int.test.ts'],
    exclude: ['**/node_modules/**'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
