import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Authorisation } from '../../src/contract/bff.ts';
import { zhangsanAuthorisesHouseholdRegister, type BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { freePort } from '../support/sandbox-server.ts';
import { errorCode, SandboxClient } from '../support/sandbox-client.ts';

// Issue 10 item 5: a holder's shorter validity survives a restart of the BFF (a graceful one, as
// SIGTERM does; the crash case is crash-authorise.test.ts). The BFF and the sandbox keep their real
// SQLite files across the restart; instead of sleeping through the validity, the test ages the
// record in the BFF's file while the BFF is down, as if the restart had taken that long.

let dir: string;
let port: number;
let stack: BffStack | undefined;

const start = async () => {
  stack = await startBffStack({
    port,
    env: { BFF_DB: join(dir, 'bff.sqlite'), SANDBOX_EXTENSIONS: 'all' },
    captureLogs: !!process.env.DEBUG_RESTART,
    sandbox: { dbFile: join(dir, 'sandbox.sqlite') },
  });
  return stack;
};

/** Moves the record's chosen expiry to `at` (epoch ms), with the BFF stopped. */
function age(id: string, at: number): void {
  const db = new Database(join(dir, 'bff.sqlite'));
  try {
    db.prepare('UPDATE holder_authorisations SET expires_at = ? WHERE id = ?').run(at, id);
  } finally {
    db.close();
  }
}

async function authoriseThenStop(key: string): Promise<{ client: BffClient; auth: Authorisation }> {
  const s = await start();
  const result = await zhangsanAuthorisesHouseholdRegister(s.origin, 120, key);
  expect(result.auth.status).toBe('active');
  await s.close();
  stack = undefined;
  return result;
}

const counterAt = () => new SandboxClient(`http://127.0.0.1:${port}/sandbox/license-app/v1`).login('counter-demo');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecert-restart-'));
  port = await freePort();
});
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

it('revokes at once, after a restart, a code whose chosen validity ran out while the BFF was down', async () => {
  const { client, auth } = await authoriseThenStop('restart-overdue');
  age(auth.id, Date.now() - 1000);
  const s = await start();
  // The record turns 'expired' only once the upstream revoke went through (reconciliation runs as
  // the BFF starts listening); then the counter is refused.
  let status = '';
  for (let i = 0; i < 300 && status !== 'expired'; i++) {
    status = (await client.api<Authorisation>('GET', `/api/authorisations/${auth.id}`)).body.status;
    if (status !== 'expired') await new Promise((r) => setTimeout(r, 100));
  }
  if (process.env.DEBUG_RESTART) console.log(s.logs.filter((l) => /revoke|reconcil|warn|error/i.test(l)).join('\n'));
  expect(status).toBe('expired');
  expect(errorCode(await (await counterAt()).get('/license/get_license', { auth_code: auth.authCode }))).toBe('AUTH_CODE_REVOKED');
});

it('rebuilds the expiry schedule from the store: a code due seconds after the restart is revoked then, not at its upstream end', async () => {
  const { client, auth } = await authoriseThenStop('restart-soon');
  // Long enough for the restart to finish on a loaded machine, far short of the code's upstream life.
  const dueAt = Date.now() + 12_000;
  age(auth.id, dueAt);
  await start();
  const counter = await counterAt();
  // Still valid before the chosen time (the BFF must not cut it short either)...
  const before = (await client.api<Authorisation>('GET', `/api/authorisations/${auth.id}`)).body;
  if (Date.now() < dueAt - 500) expect(before.status).toBe('active');
  expect(Date.parse(before.expiresAt)).toBe(dueAt);
  // ...and refused upstream soon after it, with no page asking: the rebuilt timer did it.
  await new Promise((r) => setTimeout(r, Math.max(0, dueAt + 2500 - Date.now())));
  expect(errorCode(await counter.get('/license/get_license', { auth_code: auth.authCode }))).toBe('AUTH_CODE_REVOKED');
});
