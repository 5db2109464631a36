import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    // The four rooms: web and bff never meet, bff and sandbox never meet.
    files: ['src/web/**/*.{ts,vue}'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/bff/**', '**/sandbox/**', 'node:*', 'fastify*'] }] },
  },
  {
    files: ['src/bff/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/sandbox/**', '**/web/**'] }] },
  },
  {
    files: ['src/sandbox/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/bff/**', '**/web/**'] }] },
  },
  {
    files: ['src/contract/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['vue', 'fastify*', 'node:*', '**/bff/**', '**/web/**', '**/sandbox/**'] }] },
  },
);
