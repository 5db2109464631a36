// `npm start` builds the web app first when dist/ is missing or older than its sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const dist = process.env.WEB_DIST ?? 'dist';
const sources = ['src/web', 'src/contract', 'public', 'index.html', 'vite.config.ts', 'package-lock.json', 'scripts/build-web.mjs'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), st.mtimeMs);
}

// The first-screen renderer is built last: without it the build is incomplete.
const done = join(dist, '.ssr', 'entry-server.js');
const built = existsSync(done) ? statSync(done).mtimeMs : 0;
const changed = Math.max(...sources.map(newest));
if (built < changed) {
  process.stdout.write(built ? 'Web app sources changed: rebuilding…\n' : 'Building the web app (first start)…\n');
  execFileSync(process.execPath, ['scripts/build-web.mjs', dist], { stdio: 'inherit' });
}
