import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // AssemblyScript (src/**/assembly) is TypeScript syntax with WebAssembly's types: asc checks it.
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'src/**/assembly/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // Tests read JSON answers of the API, whose shape is what they assert.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
