// Builds the web app into OUTDIR (default WEB_DIST or dist): the page's bundle, the wallet's
// first-screen renderer for the BFF (`vite build --ssr`, into OUTDIR/.ssr, which the static files
// never serve: dot directories are not served) and the pre-compressed copies.
//   node scripts/build-web.mjs [OUTDIR] [extra vite build flags, e.g. --manifest]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const [outArg, ...extra] = process.argv.slice(2);
const outDir = outArg ?? process.env.WEB_DIST ?? 'dist';
const vite = (args) => execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn', ...args], { stdio: 'inherit' });

vite(['--outDir', outDir, '--emptyOutDir', ...extra]);
vite(['--ssr', 'src/web/entry-server.ts', '--outDir', join(outDir, '.ssr'), '--emptyOutDir']);
execFileSync(process.execPath, ['scripts/precompress.mjs', outDir], { stdio: 'inherit' });
