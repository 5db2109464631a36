// The browser, the independent decoders and the database servers the tests use come from Debian. Installs them when
// running as root (CI, fresh machines); otherwise says how, and fails: browser tests are never
// skipped silently.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const tools = [
  { bin: '/usr/bin/chromium', pkg: 'chromium' },
  { bin: '/usr/bin/zbarimg', pkg: 'zbar-tools' },
  { bin: '/usr/bin/qrencode', pkg: 'qrencode' },
  { bin: '/usr/bin/ffmpeg', pkg: 'ffmpeg' },
  { bin: '/usr/bin/pdftotext', pkg: 'poppler-utils' },
  // Throw-away certificates for the two-site HTTPS embedding test.
  { bin: '/usr/bin/openssl', pkg: 'openssl' },
  // The server stores of many instances (issue 13): throw-away servers started by the tests
  // (tests/support/postgres.ts), never the system's own service.
  { bin: '/usr/lib/postgresql', pkg: 'postgresql' },
  { bin: '/usr/bin/redis-server', pkg: 'redis-server' },
];

const missing = tools.filter((t) => !existsSync(t.bin)).map((t) => t.pkg);
if (missing.length > 0) {
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`Tests need Debian packages that are missing: run  sudo sh -c '${command}'`);
    process.exit(1);
  }
  console.log(`Installing test tools from Debian: ${missing.join(' ')}`);
  execFileSync('sh', ['-c', `${command} >/tmp/ecert-apt.log 2>&1 || { tail -20 /tmp/ecert-apt.log; exit 1; }`], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
