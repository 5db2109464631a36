import { SandboxClient, type AnyEnvelope } from './sandbox-client.ts';

// The counter's access system (counter-demo, 东城区政务服务中心) signed in at a running app's
// embedded sandbox over real HTTP, as a window's system would: it redeems the codes holders show.

export interface CounterSystem {
  /** DB11/T 2290 6.6 get_license with the holder's code; the envelope as it came. */
  getLicense(authCode: string): Promise<AnyEnvelope>;
}

export async function signInCounterSystem(origin: string): Promise<CounterSystem> {
  const client = await new SandboxClient(`${origin}/sandbox/license-app/v1`).login('counter-demo');
  return { getLicense: (authCode) => client.get('/license/get_license', { auth_code: authCode }) };
}
