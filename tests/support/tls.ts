// Throw-away HTTPS for browser tests that need two real sites: a CA and a leaf certificate made
// with openssl at test time, and a TLS-terminating reverse proxy in front of the plain-HTTP
// server (as a load balancer would be), adding X-Forwarded-Proto/Host.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowAwayTls {
  /** The CA's PEM file, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  key: string;
  cert: string;
  dispose: () => void;
}

export function makeTls(hostnames: string[]): ThrowAwayTls {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-tls-'));
  const at = (f: string) => join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=ecert-test-ca', '-keyout', at('ca.key'), '-out', at('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${hostnames[0]}`, '-keyout', at('leaf.key'), '-out', at('leaf.csr'));
  const san = hostnames.map((h) => (/^\d+\.\d+\.\d+\.\d+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  writeFileSync(at('leaf.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  ssl('x509', '-req', '-in', at('leaf.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', at('leaf.ext'), '-out', at('leaf.pem'));
  return {
    caFile: at('ca.pem'),
    key: readFileSync(at('leaf.key'), 'utf8'),
    cert: readFileSync(at('leaf.pem'), 'utf8'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** HTTPS on `port` in front of `target` (http://127.0.0.1:N), set later with setTarget. */
export async function startTlsProxy(tls: ThrowAwayTls, port: number): Promise<{ setTarget: (origin: string) => void; close: () => Promise<void> }> {
  let target: URL | null = null;
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    if (!target) {
      res.writeHead(503).end();
      return;
    }
    const upstream = request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, 'x-forwarded-proto': 'https', 'x-forwarded-host': req.headers.host ?? '', 'x-forwarded-for': req.socket.remoteAddress ?? '' },
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    setTarget: (origin) => void (target = new URL(origin)),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
