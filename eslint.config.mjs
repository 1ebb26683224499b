// ESLint flat config: typescript-eslint with type information for the code that ships and runs
// (bin, lib, lambdas, src, scripts, bench), and the same rules without type information for tests.
// Formatting is Prettier's job (`npm run format:check`); module boundaries are dependency-cruiser's
// (`.dependency-cruiser.cjs`). `npm run lint` runs all three.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'cdk.out/**',
      'dist/**',
      'out/**',
      'coverage/**',
      'bench/out/**',
      '**/assembly/**',
      '**/*.wasm.ts',
      'src/**/*-wasm.ts',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Async code that drops a promise loses errors silently: in a pipeline, lost data.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `typeof import('x')` stays allowed: it types a lazy require() of a module loaded only on one path.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
      // Log handling matches and strips control characters on purpose (terminal escapes, NULs in names).
      'no-control-regex': 'off',
      'prefer-const': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      'max-len': ['error', { code: 150, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
  {
    // The rehearsal speaks AWS's wire protocols: loosely typed JSON in, checked field by field.
    files: ['scripts/rehearse/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests build odd inputs on purpose (partial records, casts to reach private state).
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
