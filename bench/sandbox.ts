import autocannon, { type Result } from 'autocannon';
import Fastify from 'fastify';
import { startSandbox } from '../tests/support/sandbox-server.ts';
import { HOUSEHOLD_FIELDS, SandboxClient, issueLicense } from '../tests/support/sandbox-client.ts';
import { LICENSE_ITEM } from '../src/sandbox/seed.ts';

// `npm run bench:sandbox`: get_license at 50 connections on loopback, beside a bare Fastify
// route measured in the same run, so the ratio says what the service itself costs.

const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const POOL = 200;

function run(url: string, title: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, title }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

const sandbox = await startSandbox({ dbFile: ':memory:' });
const ping = Fastify({ logger: false });
ping.get('/ping', { schema: { response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } } }, async () => ({ ok: true }));
await ping.listen({ port: 0, host: '127.0.0.1' });
const pingAddr = ping.server.address();
const pingUrl = `http://127.0.0.1:${typeof pingAddr === 'object' && pingAddr ? pingAddr.port : 0}/ping`;

try {
  // Issuer codes live 24 h and may be redeemed repeatedly by the system they are bound to.
  const issuer = await new SandboxClient(sandbox.apiRoot).login('issuer-demo');
  const counter = await new SandboxClient(sandbox.apiRoot).login('counter-demo');
  const codes: string[] = [];
  for (let i = 0; i < POOL; i++) {
    codes.push((await issueLicense(issuer, LICENSE_ITEM.householdRegister, { name: '王五', identityNum: '110108197805207898' }, HOUSEHOLD_FIELDS)).auth_code);
  }
  const apiPath = new URL(sandbox.apiRoot).pathname;
  const requests = codes.map((code) => ({ path: `${apiPath}/license/get_license?access_token=${counter.token}&auth_code=${code}&operator_name=bench` }));
  // Warm-up binds every code to counter-demo and checks it works.
  for (const r of requests.slice(0, 5)) {
    const env = (await (await fetch(`${sandbox.origin}${r.path}`)).json()) as { ack_code: string };
    if (env.ack_code !== 'SUCCESS') throw new Error('get_license failed during warm-up');
  }

  process.stdout.write(`running ${DURATION_S}s × 2 at ${CONNECTIONS} connections...\n`);
  const bare = await run(pingUrl, 'bare fastify /ping');
  // autocannon cycles through `requests` one per request on each connection.
  let next = 0;
  const license = await new Promise<Result>((resolve, reject) => {
    autocannon({
      url: sandbox.origin, connections: CONNECTIONS, duration: DURATION_S, title: 'get_license',
      requests: [{ setupRequest: (req) => ({ ...req, path: requests[next++ % requests.length]!.path }) }],
    }, (err, res) => (err ? reject(err) : resolve(res)));
  });

  const line = (name: string, r: Result) =>
    `${name.padEnd(22)} ${r.requests.average.toFixed(0).padStart(8)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   errors ${r.errors + r.non2xx}`;
  process.stdout.write(`${line('bare fastify GET /ping', bare)}\n${line('license/get_license', license)}\n`);
  process.stdout.write(`ratio get_license / bare: ${(license.requests.average / bare.requests.average).toFixed(3)} (throughput), p99 ${(license.latency.p99 / Math.max(bare.latency.p99, 1)).toFixed(1)}×\n`);
} finally {
  await ping.close();
  await sandbox.close();
}
