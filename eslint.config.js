// ESLint (flat config) for every workspace: eslint's and typescript-eslint's recommended rules everywhere, plus
// the type-aware rules that catch real bugs in async server code (floating and misused promises, awaiting a
// non-promise) on the packages' src/, where they pay; tests and scripts are linted without type information to
// keep `npm run lint` fast. Formatting is prettier's (npm run format), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'coverage/**', '.stack/**', 'proto/src/generated/**', 'bench/results/**', 'examples/*/public/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are deliberately unused (callback positions, destructuring to drop a field).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // `x!` after a check the compiler cannot follow (noUncheckedIndexedAccess) is the house style.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    // Browser code: the web example's page and worker and the sensors its test injects, the SDK's browser test
    // pages, the browser benches' pages.
    files: [
      'examples/*/src/**/*.ts',
      'examples/*/test/fake-sensors.js',
      'packages/device-sdk/test/browser/page-main.ts',
      'packages/device-sdk/test/browser/worker-main.ts',
      'bench/browser/**/*.ts',
    ],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
  {
    files: ['{packages/*,proto,firmware-sim,demo}/src/**/*.ts'],
    ignores: ['**/*.d.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.lint.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
    },
  },
);
