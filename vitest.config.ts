import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

const alias = { '@contract': fileURLToPath(new URL('./src/contract', import.meta.url)) };

// One project per room of the code; `npm test` runs them all.
export default defineConfig({
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', environment: 'node', include: ['tests/unit/**/*.test.ts'] },
      },
      {
        plugins: [vue()],
        resolve: { alias },
        test: {
          name: 'components',
          environment: 'happy-dom',
          include: ['tests/components/**/*.test.ts'],
          // Vant's ESM imports its own CSS; let Vite transform it instead of Node.
          server: { deps: { inline: ['vant'] } },
        },
      },
      {
        test: { name: 'sandbox', environment: 'node', include: ['tests/sandbox/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
      },
      {
        // Hooks start a whole stack and sign people in: on two shared cores that can pass 10 s.
        // Beside an upstream with every extension of the spec (the embedded sandbox's default)...
        test: { name: 'bff', environment: 'node', include: ['tests/bff/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000, env: { SANDBOX_EXTENSIONS: 'all' } },
      },
      {
        // ...and the same suites beside the standard-only service (issue 9): the sandbox with its
        // extensions off, which answer exactly as an unknown path. Each test states what it expects of each.
        // A later group, so the two runs of the same suites do not share two cores at once.
        test: {
          name: 'bff-standard', environment: 'node', include: ['tests/bff/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000,
          env: { SANDBOX_EXTENSIONS: 'none' }, sequence: { groupOrder: 1 },
        },
      },
      {
        // The stores of many instances (issue 13) against real servers: a redis-server and a throw-away PostgreSQL per file.
        test: { name: 'stores', environment: 'node', include: ['tests/stores/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 180_000 },
      },
      {
        // Two BFF processes, a standalone sandbox and a proxy (issue 13): alone, after the API suites.
        test: {
          name: 'scale', environment: 'node', include: ['tests/scale/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000,
          fileParallelism: false, sequence: { groupOrder: 1 },
        },
      },
      {
        // Each finding of the security review reproduced as an attack and shown closed.
        test: { name: 'security', environment: 'node', include: ['tests/security/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One browser and one server at a time on two cores, after the API suites are done.
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
