import { defineConfig, type ChunkMetadata, type Plugin, type Rolldown } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

type OutputChunk = Rolldown.OutputChunk & { viteMetadata?: ChunkMetadata };

// Parts of axios the app never runs, resolved to stand-ins so they stay off the first screen:
// - its fetch adapter (~4 KB gzip): browsers get the XHR adapter; one answering "unavailable"
//   keeps axios's own fallback logic intact (adapters answering null are skipped);
// - its document.cookie reader and writer, used only for the XSRF-TOKEN cookie convention: our
//   session cookies are HttpOnly and the CSRF token travels from /api/session to a header
//   (api/http.ts), so there is never a cookie for it to read;
// - what only other kinds of request use (issue 11, to pay for hydrating the server-rendered
//   wallet): FormData and url-encoded bodies (api/http.ts sends JSON only), CancelToken (we abort
//   with AbortSignal), progress events (no upload or download progress is shown), the
//   HttpStatusCode table, and the run-time check of axios's own options (ours are typed). Each
//   throws if it is ever reached, rather than doing something else quietly;
// - its query-string builder (AxiosURLSearchParams, on toFormData): api/http.ts serialises the
//   few flat query parameters with URLSearchParams instead.
const unused = (what: string) => `() => { throw new Error('axios: ${what} is left out of this build (vite.config.ts)'); }`;
const AXIOS_STAND_INS = [
  { importer: '/axios/lib/adapters/', source: /^\.\/fetch\.js$/, code: 'export const getFetch = () => null;\nexport default null;\n' },
  { importer: '/axios/lib/', source: /(^|\/)helpers\/cookies\.js$|^\.\/cookies\.js$/, code: 'export default { write() {}, read: () => null, readAsync: async () => null, remove() {} };\n' },
  { importer: '/axios/lib/', source: /(^|\/)helpers\/formDataToJSON\.js$/, code: `export default ${unused('a FormData body')};\n` },
  { importer: '/axios/lib/', source: /(^|\/)helpers\/toURLEncodedForm\.js$/, code: `export default ${unused('a url-encoded body')};\n` },
  { importer: '/axios/lib/', source: /(^|\/)cancel\/CancelToken\.js$/, code: `export default class CancelToken { constructor() { (${unused('CancelToken')})(); } }\n` },
  { importer: '/axios/lib/', source: /(^|\/)helpers\/progressEventReducer\.js$/, code: `const no = ${unused('a progress event')};\nexport { no as progressEventReducer, no as progressEventDecorator, no as asyncDecorator };\n` },
  { importer: '/axios/lib/', source: /(^|\/)helpers\/toFormData\.js$|^\.\/toFormData\.js$/, code: `export default ${unused('toFormData')};\n` },
  { importer: '/axios/lib/', source: /(^|\/)helpers\/AxiosURLSearchParams\.js$|^\.\/AxiosURLSearchParams\.js$/, code: `export default class AxiosURLSearchParams { constructor() { (${unused('its own query serialiser')})(); } }\n` },
  { importer: '/axios/lib/', source: /(^|\/)helpers\/HttpStatusCode\.js$/, code: 'export default {};\n' },
  { importer: '/axios/lib/', source: /(^|\/)helpers\/validator\.js$/, code: 'const any = () => () => true;\nexport default { assertOptions() {}, validators: { transitional: any, boolean: any, function: any, spelling: any } };\n' },
];

function axiosWithoutUnusedParts(): Plugin {
  return {
    name: 'axios-without-unused-parts',
    enforce: 'pre',
    resolveId(source, importer) {
      const from = importer?.replaceAll('\\', '/') ?? '';
      const i = AXIOS_STAND_INS.findIndex((s) => s.source.test(source) && from.includes(s.importer));
      return i >= 0 ? `\0axios-stand-in:${i}` : null;
    },
    load(id) {
      return id.startsWith('\0axios-stand-in:') ? AXIOS_STAND_INS[Number(id.slice('\0axios-stand-in:'.length))]?.code ?? null : null;
    },
  };
}

// The landing route's code is a lazy chunk (the router imports each page on demand), so the
// browser would only learn of it after the entry has run and the session guard has answered.
// Naming it in index.html lets it download beside the entry (issue 11); its CSS is preloaded,
// not applied, so other routes render exactly as before.
function preloadLandingRoute(pageSuffix: string): Plugin {
  return {
    name: 'preload-landing-route',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return [];
        const chunks = Object.values(bundle).filter((o): o is OutputChunk => o.type === 'chunk');
        const page = chunks.find((c) => c.facadeModuleId?.replaceAll('\\', '/').endsWith(pageSuffix));
        const entry = chunks.find((c) => c.isEntry);
        if (!page || !entry) return [];
        // The page and what it imports statically, minus what the entry already brings.
        const byName = new Map(chunks.map((c) => [c.fileName, c]));
        const have = new Set<string>([entry.fileName, ...entry.imports]);
        const files: string[] = [];
        const css = new Set<string>();
        const visit = (chunk: OutputChunk) => {
          if (have.has(chunk.fileName)) return;
          have.add(chunk.fileName);
          files.push(chunk.fileName);
          for (const c of chunk.viteMetadata?.importedCss ?? []) css.add(c);
          for (const name of chunk.imports) {
            const next = byName.get(name);
            if (next) visit(next);
          }
        };
        visit(page);
        return [
          ...files.map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: '', href: `/${f}` }, injectTo: 'head' as const })),
          ...[...css].map((f) => ({ tag: 'link', attrs: { rel: 'preload', as: 'style', href: `/${f}` }, injectTo: 'head' as const })),
        ];
      },
    },
  };
}

const bff = process.env.BFF_URL ?? 'http://127.0.0.1:8080';

export default defineConfig(({ isSsrBuild }) => ({
  // Template comments are for readers of the source: never in the page, and never in one build
  // but not the other (the server-rendered wallet must hydrate node for node, whatever NODE_ENV).
  plugins: [vue({ template: { compilerOptions: { comments: false } } }), axiosWithoutUnusedParts(), preloadLandingRoute('/src/web/views/wallet/WalletView.vue')],
  define: {
    // The app is written with <script setup> only; Vue's Options API and devtools hooks are
    // ~4 KB gzip of runtime nobody calls.
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  // The first-screen renderer (src/web/entry-server.ts, built with --ssr) carries Vue, Pinia and
  // the router inside it, so the BFF can load it from any directory without node_modules beside it.
  ssr: { noExternal: true },
  resolve: { alias: { '@contract': fileURLToPath(new URL('./src/contract', import.meta.url)) } },
  build: {
    target: 'es2020',
    // The first-screen renderer needs none of public/ beside it.
    copyPublicDir: !isSsrBuild,
    // A vendor chunk that every route shares would be downloaded before the wallet is usable
    // anyway; let Rollup split by route and keep the QR / scanner code in their own chunks.
    reportCompressedSize: false,
    // Browsers without <link rel="modulepreload"> (Safari before 17) still load every module; the
    // polyfill (~0.5 KB gzip on the first screen) would only start their downloads earlier.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // The wallet's small shared parts (its store and API module, the state badge, the
            // elder switch, Vue's SFC helper) as one file: the landing page fetched them as five
            // sub-kilobyte chunks, each with its own request and import/export preamble.
            { name: 'wallet-shared', test: /src\/web\/(stores\/licenses|api\/licenses|components\/wallet\/LicenseStateBadge|components\/app\/AppElderSwitch)|plugin-vue:export-helper/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: bff, changeOrigin: false },
      '/auth': { target: bff, changeOrigin: false },
      '/sandbox': { target: bff, changeOrigin: false },
      '/healthz': { target: bff },
    },
  },
}));
