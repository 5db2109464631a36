// The counter's QR scanner: the rear camera into a <video>, frames to a barcode detector, the
// text of the first QR code out. The native BarcodeDetector where the browser has one; otherwise
// the zxing-wasm ponyfill, loaded only when a scan starts and served by this app (the wasm comes
// from our own origin through Vite's ?url, never from a CDN). The camera is released when the
// page is left or hidden.
import { onBeforeUnmount, ref, shallowRef } from 'vue';

export type ScannerState = 'idle' | 'starting' | 'scanning' | 'denied' | 'no-camera' | 'insecure' | 'error';

interface Detector {
  detect(source: ImageBitmapSource | HTMLVideoElement): Promise<Array<{ rawValue: string }>>;
}

interface NativeDetectorClass {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats(): Promise<string[]>;
}

export interface ZoomRange {
  min: number;
  max: number;
  step: number;
}

/** Capabilities that MediaStreamTrack has on some browsers and TypeScript's DOM types lack. */
interface CameraCapabilities extends MediaTrackCapabilities {
  torch?: boolean;
  zoom?: { min: number; max: number; step?: number };
}

const SCAN_INTERVAL_MS = 180;

let detectorPromise: Promise<Detector> | null = null;

/** One detector per page load: native when it reads QR codes, else zxing-wasm from our origin. */
export function loadDetector(): Promise<Detector> {
  detectorPromise ??= (async () => {
    const Native = (globalThis as { BarcodeDetector?: NativeDetectorClass }).BarcodeDetector;
    if (Native) {
      try {
        if ((await Native.getSupportedFormats()).includes('qr_code')) return new Native({ formats: ['qr_code'] });
      } catch {
        // Some builds expose the class but cannot use it: fall through to the local decoder.
      }
    }
    const [{ BarcodeDetector, prepareZXingModule }, { default: wasmUrl }] = await Promise.all([
      import('barcode-detector/ponyfill'),
      import('zxing-wasm/reader/zxing_reader.wasm?url'),
    ]);
    // Without this override zxing-wasm fetches its wasm from jsDelivr.
    await prepareZXingModule({
      overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? new URL(wasmUrl, location.href).href : prefix + path) },
      fireImmediately: true,
    });
    return new BarcodeDetector({ formats: ['qr_code'] }) as Detector;
  })();
  detectorPromise.catch(() => {
    detectorPromise = null;
  });
  return detectorPromise;
}

/** The first QR code's text in an image (photo upload fallback), or null when none is found. */
export async function decodeImageFile(file: Blob): Promise<string | null> {
  const detector = await loadDetector();
  const bitmap = await createImageBitmap(file);
  try {
    const found = await detector.detect(bitmap);
    return found[0]?.rawValue ?? null;
  } finally {
    bitmap.close();
  }
}

function stateOf(err: unknown): ScannerState {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'PermissionDeniedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return 'no-camera';
  return 'error';
}

export function useScanner(onText: (text: string) => void) {
  const video = ref<HTMLVideoElement | null>(null);
  const state = ref<ScannerState>('idle');
  const torchSupported = ref(false);
  const torchOn = ref(false);
  const zoomRange = shallowRef<ZoomRange | null>(null);
  const zoom = ref(1);

  let stream: MediaStream | null = null;
  let detector: Detector | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The staff member asked for the camera; it comes back when the tab is shown again. */
  let wanted = false;
  let generation = 0;

  const track = (): MediaStreamTrack | undefined => stream?.getVideoTracks()[0];

  function release(): void {
    generation++;
    clearTimeout(timer);
    timer = undefined;
    stream?.getTracks().forEach((t) => t.stop());
    stream = null;
    if (video.value) video.value.srcObject = null;
    torchOn.value = false;
  }

  function scheduleScan(gen: number): void {
    timer = setTimeout(async () => {
      const v = video.value;
      if (gen !== generation || !v || !detector) return;
      if (v.readyState >= 2 && v.videoWidth > 0) {
        try {
          const text = (await detector.detect(v))[0]?.rawValue;
          if (text && gen === generation) {
            // One reading per scan: the camera is released before the result is handled.
            stop();
            onText(text);
            return;
          }
        } catch {
          // A frame the decoder could not read: try the next one.
        }
      }
      if (gen === generation) scheduleScan(gen);
    }, SCAN_INTERVAL_MS);
  }

  function readCapabilities(): void {
    const t = track();
    const caps = (t && typeof t.getCapabilities === 'function' ? t.getCapabilities() : {}) as CameraCapabilities;
    torchSupported.value = caps.torch === true;
    if (caps.zoom && caps.zoom.max > caps.zoom.min) {
      zoomRange.value = { min: caps.zoom.min, max: caps.zoom.max, step: caps.zoom.step || 0.1 };
      zoom.value = Number((t?.getSettings() as { zoom?: number } | undefined)?.zoom ?? caps.zoom.min);
    } else {
      zoomRange.value = null;
    }
  }

  async function start(): Promise<void> {
    wanted = true;
    release();
    const gen = generation;
    if (!window.isSecureContext) {
      state.value = 'insecure';
      return;
    }
    if (!navigator.mediaDevices?.getUserMedia) {
      state.value = 'no-camera';
      return;
    }
    state.value = 'starting';
    try {
      const [media, d] = await Promise.all([
        navigator.mediaDevices.getUserMedia({
          audio: false,
          video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
        }),
        loadDetector(),
      ]);
      if (gen !== generation || !wanted) {
        media.getTracks().forEach((t) => t.stop());
        return;
      }
      stream = media;
      detector = d;
      const v = video.value;
      if (!v) throw new Error('no video element');
      v.srcObject = media;
      v.muted = true;
      v.setAttribute('playsinline', '');
      await v.play();
      readCapabilities();
      state.value = 'scanning';
      scheduleScan(gen);
    } catch (err) {
      if (gen !== generation) return;
      release();
      state.value = stateOf(err);
    }
  }

  function stop(): void {
    wanted = false;
    release();
    if (state.value === 'scanning' || state.value === 'starting') state.value = 'idle';
  }

  /** One advanced constraint on the live track: true when the camera took it, false when it refused, null with no track. */
  async function applyAdvanced(set: MediaTrackConstraintSet): Promise<boolean | null> {
    const t = track();
    if (!t) return null;
    return t.applyConstraints({ advanced: [set] }).then(() => true, () => false);
  }

  // A camera that refuses a setting once loses the control for it.
  async function setTorch(on: boolean): Promise<void> {
    if (!torchSupported.value) return;
    const took = await applyAdvanced({ torch: on } as MediaTrackConstraintSet);
    if (took) torchOn.value = on;
    else if (took === false) torchSupported.value = false;
  }

  async function setZoom(value: number): Promise<void> {
    if (!zoomRange.value) return;
    const took = await applyAdvanced({ zoom: value } as MediaTrackConstraintSet);
    if (took) zoom.value = value;
    else if (took === false) zoomRange.value = null;
  }

  function onVisibility(): void {
    if (document.visibilityState === 'hidden') {
      const keep = wanted;
      release();
      wanted = keep;
      if (state.value === 'scanning' || state.value === 'starting') state.value = 'idle';
    } else if (wanted && !stream) {
      void start();
    }
  }

  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('pagehide', stop);
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisibility);
    window.removeEventListener('pagehide', stop);
    stop();
  });

  return { video, state, torchSupported, torchOn, zoomRange, zoom, start, stop, setTorch, setZoom };
}
