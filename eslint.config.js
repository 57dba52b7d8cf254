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
    // The portable core is bundled for browsers: no Node built-ins, no Node
    // globals. Files named node-* and the folders named node are the Node
    // backends; the bundle build (scripts/build-browser.ts) checks imports too.
    files: ['src/**/*.ts'],
    ignores: [
      'src/**/node-*.ts',
      'src/**/node/**',
      'src/net/node.ts',
      'src/platform/node.ts',
      'src/index.ts',
      'src/run.ts',
      'src/cli/**',
      'src/relay/**',
      'src/worker/**',
      'src/http/index.ts',
      'src/http/conn-stream.ts',
      'src/wasi/fs/resolve.ts',
      'src/wasi/fs/set-times.ts',
      'src/wasi/fs/stat.ts',
      'src/wasi/sockets/preopened.ts',
    ],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'portable code uses Uint8Array' },
        { name: 'process', message: 'portable code gets what it needs from the Platform' },
        { name: 'setImmediate', message: 'portable code uses Platform.macrotask' },
      ],
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'portable code imports no Node built-in' }] }],
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
