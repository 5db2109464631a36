import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from '../../src/sandbox/request-limits.ts';
import { SandboxClient, errorCode, issueLicense, HOUSEHOLD_FIELDS, systemCredentials } from '../support/sandbox-client.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox-server.ts';
import { LICENSE_ITEM } from '../../src/sandbox/seed.ts';

// Finding 9 (part): the embedded sandbox had no rate limit (193 get_license guesses a second).
// Now a system that keeps presenting codes that are not its to use, and an address that keeps
// failing to log in, are answered RATE_LIMITED in the envelope until the window passes.

let sb: RunningSandbox;
let offsetMs = 0;
let counter: SandboxClient;
let other: SandboxClient;
let realCode: string;

beforeAll(async () => {
  sb = await startSandbox({ clock: () => Date.now() + offsetMs });
  [counter, other] = await Promise.all([new SandboxClient(sb.apiRoot).login('counter-demo'), new SandboxClient(sb.apiRoot).login('biz-other')]);
  const issuer = await new SandboxClient(sb.apiRoot).login('issuer-demo');
  realCode = (await issueLicense(issuer, LICENSE_ITEM.householdRegister, { name: '王五', identityNum: '110108197805207898' }, HOUSEHOLD_FIELDS)).auth_code;
}, 60_000);
afterAll(async () => sb?.close());

const guess = (i: number) => `guess${String(i).padStart(17, '0')}`;

describe('guessing usage codes', () => {
  it('is cut off per access system after a window of refusals, and the window passes', async () => {
    const max = DEFAULT_RATE_LIMITS.guessesPerSystem;
    const answers = await Promise.all(Array.from({ length: max + 10 }, (_, i) => counter.raw('GET', '/license/get_license', { query: { auth_code: guess(i) } })));
    const codes = answers.map((a) => errorCode(a.body));
    expect(codes.filter((c) => c === 'AUTH_CODE_INVALID')).toHaveLength(max);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(10);
    const limited = answers.find((a) => errorCode(a.body) === 'RATE_LIMITED')!;
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ ack_code: 'FAILURE', data: null });

    // Cut off for token and archive too, even with a real code; another system is not affected.
    for (const path of ['/license/get_license', '/license/token', '/license/archive']) {
      expect(errorCode(await counter.get(path, { auth_code: realCode }))).toBe('RATE_LIMITED');
    }
    expect(errorCode(await other.get('/license/get_license', { auth_code: guess(999) }))).toBe('AUTH_CODE_INVALID');

    offsetMs += DEFAULT_RATE_LIMITS.windowMs + 1000;
    expect((await counter.get('/license/get_license', { auth_code: realCode })).ack_code).toBe('SUCCESS');
  });

  it('leaves successful redemptions alone: a busy counter is not an attacker', async () => {
    const answers = await Promise.all(Array.from({ length: DEFAULT_RATE_LIMITS.guessesPerSystem * 2 }, () => counter.get('/license/get_license', { auth_code: realCode })));
    expect(answers.every((a) => a.ack_code === 'SUCCESS')).toBe(true);
  });
});

describe('guessing access-system passwords', () => {
  it('is cut off per client address after a window of failures', async () => {
    const wrong = { ...systemCredentials('counter-demo'), password: 'wrong-password' };
    const client = new SandboxClient(sb.apiRoot);
    const answers = await Promise.all(Array.from({ length: DEFAULT_RATE_LIMITS.failedLoginsPerAddress + 3 }, () =>
      client.raw('POST', '/security/login', { body: wrong, withToken: false })));
    const codes = answers.map((a) => errorCode(a.body));
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(DEFAULT_RATE_LIMITS.failedLoginsPerAddress);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(3);
    // Even the right password waits out the window from that address.
    const right = await client.raw('POST', '/security/login', { body: systemCredentials('counter-demo'), withToken: false });
    expect(errorCode(right.body)).toBe('RATE_LIMITED');
    offsetMs += DEFAULT_RATE_LIMITS.windowMs + 1000;
    expect((await client.raw('POST', '/security/login', { body: systemCredentials('counter-demo'), withToken: false })).body.ack_code).toBe('SUCCESS');
  });
});
