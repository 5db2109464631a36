import { beforeAll, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import jsQR from 'jsqr';
import UsageQrCode from '../../src/web/components/usage/UsageQrCode.vue';
import { loadMessages } from '../../src/web/i18n';

// These pages' messages load with their route; a mounted component needs them loaded first.
beforeAll(() => loadMessages(['usage']));

/** Paints the SVG's module path into an RGBA bitmap and reads it with an independent decoder. */
function decodeSvg(svg: Element): string | null {
  const total = Number(svg.getAttribute('viewBox')!.split(' ')[2]);
  const d = svg.querySelector('path')!.getAttribute('d')!;
  const scale = 4;
  const side = total * scale;
  const px = new Uint8ClampedArray(side * side * 4).fill(255);
  for (const m of d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    const x = Number(m[1]);
    const y = Number(m[2]);
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const i = ((y * scale + dy) * side + x * scale + dx) * 4;
        px[i] = px[i + 1] = px[i + 2] = 0;
      }
    }
  }
  return jsQR(px, side, side)?.data ?? null;
}

async function rendered(w: ReturnType<typeof mount>) {
  for (let i = 0; i < 20 && !w.find('svg').exists(); i++) {
    await flushPromises();
    await new Promise((r) => setTimeout(r, 10));
  }
  return w.get('svg');
}

describe('the usage QR code', () => {
  it('draws a named image that decodes to the URL, with a four-module white quiet zone', async () => {
    const url = 'http://127.0.0.1:8080/c/K7QM2XPA9RTD';
    const w = mount(UsageQrCode, { props: { value: url, label: '用证二维码' } });
    const svg = await rendered(w);
    expect(svg.attributes('role')).toBe('img');
    expect(svg.attributes('aria-label')).toBe('用证二维码');
    expect(decodeSvg(svg.element)).toBe(url);
    const coords = [...svg.get('path').attributes('d')!.matchAll(/M(\d+) (\d+)/g)].flatMap((m) => [Number(m[1]), Number(m[2])]);
    const total = Number(svg.attributes('viewBox')!.split(' ')[2]);
    expect(Math.min(...coords)).toBe(4);
    expect(Math.max(...coords)).toBe(total - 5);
    expect(w.emitted('rendered')).toHaveLength(1);
  });

  it('redraws when the code is refreshed', async () => {
    const w = mount(UsageQrCode, { props: { value: 'http://x.test/c/AAAA1111', label: 'qr' } });
    await rendered(w);
    await w.setProps({ value: 'http://x.test/c/BBBB2222' });
    for (let i = 0; i < 20 && w.emitted('rendered')?.length !== 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(decodeSvg(w.get('svg').element)).toBe('http://x.test/c/BBBB2222');
  });
});
