// The one lint configuration of the repository; the root eslint.config.js re-exports it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/.turbo/**', '**/.data/**', '**/coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // A package reaches another only through its name and its `exports`, never by a relative path
    // out of its own folder (benchmarks, tests and scripts included): the import-x rule compares
    // the nearest package.json of the importing file and of the resolved target.
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-relative-packages': 'error' },
  },
  {
    // Arrows go one way: the apps reach the database only through @hops/api. Tests, benchmarks
    // and tools may set databases up directly.
    files: ['apps/*/src/**', 'apps/*/server/**'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/test/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@hops/db',
              message: 'Apps reach the database only through @hops/api.',
              allowTypeImports: false,
            },
          ],
        },
      ],
    },
  },
  prettier,
);
