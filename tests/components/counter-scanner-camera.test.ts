import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { flushPromises, mount } from '@vue/test-utils';
import { useScanner } from '../../src/web/composables/useScanner';

// The camera controls of the counter's scanner (torch, zoom). The browser's camera and barcode
// detector are the network edge here: played by hand, with a track that takes or refuses settings.

class FakeTrack {
  applied: MediaTrackConstraintSet[] = [];
  refuse = new Set<string>();
  getCapabilities() {
    return { torch: true, zoom: { min: 1, max: 4, step: 0.5 } };
  }
  getSettings() {
    return { zoom: 1 };
  }
  async applyConstraints(c: MediaTrackConstraints) {
    const set = c.advanced![0]!;
    if (Object.keys(set).some((k) => this.refuse.has(k))) throw new DOMException('no', 'OverconstrainedError');
    this.applied.push(set);
  }
  stop() {}
}

let track: FakeTrack;

function harness() {
  let scanner!: ReturnType<typeof useScanner>;
  mount(defineComponent({
    setup() {
      scanner = useScanner(() => undefined);
      return () => h('video', { ref: scanner.video });
    },
  }));
  return scanner;
}

beforeEach(() => {
  track = new FakeTrack();
  const stream = { getVideoTracks: () => [track], getTracks: () => [track] };
  vi.stubGlobal('BarcodeDetector', class {
    static async getSupportedFormats() { return ['qr_code']; }
    async detect() { return []; }
  });
  vi.stubGlobal('isSecureContext', true);
  Object.defineProperty(navigator, 'mediaDevices', { configurable: true, value: { getUserMedia: async () => stream } });
  vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined);
  // The fake stream is no MediaStream, which the element's own setter would refuse.
  vi.spyOn(HTMLMediaElement.prototype, 'srcObject', 'set').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the scanner camera controls', () => {
  it('switches the torch and zooms when the camera takes the setting', async () => {
    const scanner = harness();
    await scanner.start();
    await flushPromises();
    expect(scanner.state.value).toBe('scanning');
    expect(scanner.torchSupported.value).toBe(true);
    await scanner.setTorch(true);
    await scanner.setZoom(2.5);
    expect(track.applied).toEqual([{ torch: true }, { zoom: 2.5 }]);
    expect(scanner.torchOn.value).toBe(true);
    expect(scanner.zoom.value).toBe(2.5);
    scanner.stop();
  });

  it('drops a control the camera refuses, and leaves the other alone', async () => {
    const scanner = harness();
    await scanner.start();
    await flushPromises();
    track.refuse.add('torch');
    await scanner.setTorch(true);
    expect(scanner.torchOn.value).toBe(false);
    expect(scanner.torchSupported.value).toBe(false);
    expect(scanner.zoomRange.value).toEqual({ min: 1, max: 4, step: 0.5 });

    track.refuse.add('zoom');
    await scanner.setZoom(3);
    expect(scanner.zoomRange.value).toBeNull();
    expect(scanner.zoom.value).toBe(1);
    scanner.stop();
  });
});
