import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

const bff = process.env.BFF_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@contract': fileURLToPath(new URL('./src/contract', import.meta.url)) } },
  build: {
    target: 'es2020',
    // A vendor chunk that every route shares would be downloaded before the wallet is usable
    // anyway; let Rollup split by route and keep the QR / scanner code in their own chunks.
    reportCompressedSize: false,
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      '/api': { target: bff, changeOrigin: false },
      '/auth': { target: bff, changeOrigin: false },
      '/sandbox': { target: bff, changeOrigin: false },
      '/healthz': { target: bff },
    },
  },
});
