import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

// axios picks its XHR adapter in browsers; its fetch adapter (~4 KB gzip) would only be
// dead weight on the first screen. Resolving it to "unavailable" keeps axios's own fallback
// logic intact (adapters answering null are skipped).
function axiosWithoutFetchAdapter(): Plugin {
  const stub = '\0axios-fetch-adapter-stub';
  return {
    name: 'axios-without-fetch-adapter',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './fetch.js' && importer?.replaceAll('\\', '/').includes('/axios/lib/adapters/')) return stub;
      return null;
    },
    load(id) {
      return id === stub ? 'export const getFetch = () => null;\nexport default null;\n' : null;
    },
  };
}

const bff = process.env.BFF_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue(), axiosWithoutFetchAdapter()],
  define: {
    // The app is written with <script setup> only; Vue's Options API and devtools hooks are
    // ~4 KB gzip of runtime nobody calls.
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
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
