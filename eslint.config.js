import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.amplifi/**', 'coverage/**', 'libs/db/src/schema.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      // Packages are imported by name (@amplifi/x); reaching into another package's files is forbidden.
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@amplifi/*/src/*', '@amplifi/*/src'], message: 'Import the package by name, not its src/.' },
          { group: ['../../libs/*', '../../../libs/*', '../../services/*', '../../../services/*', '../../infra/*', '../../../infra/*'], message: 'Import the package by name.' },
        ],
      }],
    },
  },
  {
    // Migrations are written against Kysely<any> (frozen in time, never typed by app code); tests read JSON bodies.
    files: ['libs/db/migrations/**/*.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // CLIs and the start-up supervisor talk to a person on a terminal.
    files: ['infra/**/*.ts', 'libs/*/src/cli/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
