// `npm start` builds the web app first when dist/ is missing or older than its sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const dist = process.env.WEB_DIST ?? 'dist';
const sources = ['src/web', 'src/contract', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), st.mtimeMs);
}

const built = existsSync(join(dist, 'index.html')) ? statSync(join(dist, 'index.html')).mtimeMs : 0;
const changed = Math.max(...sources.map(newest));
if (built < changed) {
  process.stdout.write(built ? 'Web app sources changed: rebuilding…\n' : 'Building the web app (first start)…\n');
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn', '--outDir', dist], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/precompress.mjs', dist], { stdio: 'inherit' });
}
