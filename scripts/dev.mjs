// `npm run dev`: the BFF (with the embedded sandbox) in watch mode, and Vite with HMR in front
// of it. The browser talks only to Vite, which proxies /api, /auth and /sandbox to the BFF, so
// the public origin (QR codes, login redirects) is Vite's.
import { spawn } from 'node:child_process';

const vitePort = process.env.VITE_PORT ?? '5173';
const bffPort = process.env.PORT ?? '8080';
const origin = process.env.PUBLIC_ORIGIN ?? `http://localhost:${vitePort}`;

const children = [
  spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'watch', '--clear-screen=false', 'src/server.ts'], {
    stdio: 'inherit',
    env: { LOG_FORMAT: 'pretty', ...process.env, PORT: bffPort, PUBLIC_ORIGIN: origin },
  }),
  spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--port', vitePort, '--strictPort'], {
    stdio: 'inherit',
    env: { ...process.env, BFF_URL: `http://127.0.0.1:${bffPort}` },
  }),
];

const stop = () => children.forEach((c) => c.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
children.forEach((c) => c.on('exit', (code) => { if (code) { stop(); process.exitCode = code; } }));
