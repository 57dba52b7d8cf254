// Lint rules: typescript-eslint's recommended set, plus no `any` anywhere.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Example pages run in browsers: the web globals they use, and no Node.
    files: ['examples/**/*.js'],
    languageOptions: {
      globals: {
        process: 'off',
        Buffer: 'off',
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
      },
    },
  },
);
