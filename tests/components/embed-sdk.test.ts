// Issue 12: the host SDK (public/embed.js) as a portal page uses it: the iframe it makes, the
// messages it passes on (only its frame's, from the app's origin, in our envelope), resize,
// off and destroy.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EcertHolderEvent, EcertHolderSdk } from '../../public/embed.d.ts';

const APP = 'https://ecert.example.gov.cn';
const source = readFileSync('public/embed.js', 'utf8');
let sdk: EcertHolderSdk;
let host: HTMLDivElement;

beforeEach(() => {
  // As if loaded by <script src="https://ecert.example.gov.cn/embed.js">.
  Object.defineProperty(document, 'currentScript', { configurable: true, get: () => ({ src: `${APP}/embed.js` }) });
  new Function(source)();
  Object.defineProperty(document, 'currentScript', { configurable: true, get: () => null });
  sdk = (window as unknown as { EcertHolder: EcertHolderSdk }).EcertHolder;
  host = document.createElement('div');
  document.body.appendChild(host);
});
// happy-dom logs that it does not load the frame's page: the app is not under test here.
afterEach(() => host.remove());

function fromFrame(frame: HTMLIFrameElement, data: unknown, origin = APP, src: unknown = frame.contentWindow): void {
  window.dispatchEvent(new MessageEvent('message', { data, origin, source: src as Window }));
}

describe('EcertHolder.mount', () => {
  it('frames the app at /embed with the host origin and the options, camera allowed', () => {
    const handle = sdk.mount(host, { serviceItemCode: 'DC-JY-0001', locale: 'en', elder: true, path: '/history' });
    const url = new URL(handle.iframe.src);
    expect(url.origin + url.pathname).toBe(`${APP}/embed`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ host: window.location.origin, serviceItemCode: 'DC-JY-0001', locale: 'en', elder: '1', path: '/history' });
    expect(handle.iframe.getAttribute('allow')).toBe('camera');
    expect(handle.iframe.title).toBe('E-certificates');
    expect(host.contains(handle.iframe)).toBe(true);
    expect(sdk.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('passes on its frame’s events and sizes the frame on resize', () => {
    const handle = sdk.mount(host);
    const got: EcertHolderEvent[] = [];
    handle.on('*', (e) => got.push(e));
    const authorised: EcertHolderEvent[] = [];
    handle.on('authorised', (e) => authorised.push(e));
    fromFrame(handle.iframe, { source: 'ecert-holder', type: 'resize', height: 612.4 });
    expect(handle.iframe.style.height).toBe('613px');
    fromFrame(handle.iframe, { source: 'ecert-holder', type: 'authorised', authCode: 'abc' });
    expect(got.map((e) => e.type)).toEqual(['resize', 'authorised']);
    expect(authorised).toHaveLength(1);
  });

  it('ignores messages from another origin, another window, or outside the envelope', () => {
    const handle = sdk.mount(host);
    const got: EcertHolderEvent[] = [];
    handle.on('*', (e) => got.push(e));
    fromFrame(handle.iframe, { source: 'ecert-holder', type: 'resize', height: 10 }, 'https://evil.test');
    fromFrame(handle.iframe, { source: 'ecert-holder', type: 'resize', height: 10 }, APP, window);
    fromFrame(handle.iframe, { type: 'resize', height: 10 });
    fromFrame(handle.iframe, 'resize');
    expect(got).toEqual([]);
    expect(handle.iframe.style.height).toBe('480px');
  });

  it('stops listening on off and removes everything on destroy', () => {
    const handle = sdk.mount(host, { autoResize: false });
    const got: string[] = [];
    const listener = (e: EcertHolderEvent) => got.push(e.type);
    handle.on('ready', listener).on('signed-in', listener);
    handle.off('ready', listener);
    fromFrame(handle.iframe, { source: 'ecert-holder', type: 'ready' });
    fromFrame(handle.iframe, { source: 'ecert-holder', type: 'signed-in' });
    fromFrame(handle.iframe, { source: 'ecert-holder', type: 'resize', height: 900 });
    expect(got).toEqual(['signed-in']);
    expect(handle.iframe.style.height).toBe('480px');
    const frame = handle.iframe;
    handle.destroy();
    expect(host.contains(frame)).toBe(false);
    fromFrame(frame, { source: 'ecert-holder', type: 'signed-in' });
    expect(got).toEqual(['signed-in']);
  });
});
