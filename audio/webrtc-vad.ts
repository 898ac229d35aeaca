/**
 * Frame-level WebRTC voice activity detection: libfvad (the WebRTC VAD's C code) compiled to wasm by
 * `@echogarden/fvad-wasm`, whose decisions equal PyPI `webrtcvad` 2.0.10's on every fixture frame.
 *
 * The C VAD adapts its noise and speech models from frame to frame, so a decision depends on every frame
 * before it: a stream needs one VAD fed with its frames in order from sample 0, and a worker that takes over
 * a stream needs the exact state. All of that state is one `struct Fvad` of 740 bytes in the wasm memory
 * (`VadInstT` core plus the rate index; plain integers, no pointers, and libfvad keeps no mutable globals),
 * so `snapshot()` copies those bytes out and `WebRtcVadRuntime.restore()` copies them into a new instance:
 * the restored VAD continues exactly as the uninterrupted one would. Without the snapshot a fresh VAD
 * warmed up on earlier audio does not catch up (see bench/vad-restart.ts).
 *
 * A snapshot is valid for the same wasm build only; the dependency is pinned and the layout is checked when
 * an instance is made (`init_flag` = 42 at byte 732, the 16 kHz rate index at byte 736).
 *
 *   const runtime = await WebRtcVadRuntime.load();   // once per process
 *   const vad = runtime.create(3);                    // one per stream
 *   vad.isSpeech(frame);                              // 160, 320 or 480 samples of 16 kHz audio
 *   const saved = vad.snapshot(); ... const again = runtime.restore(saved);
 */
import createFvadModule, { type FvadModule } from '@echogarden/fvad-wasm';

export const VAD_SAMPLE_RATE = 16_000;
export type VadMode = 0 | 1 | 2 | 3;
export type VadFrameMs = 10 | 20 | 30;
export const VAD_MODES: readonly VadMode[] = [0, 1, 2, 3];
export const VAD_FRAME_MS: readonly VadFrameMs[] = [10, 20, 30];

/** Samples in a frame of `frameMs` at 16 kHz. */
export const vadFrameSamples = (frameMs: VadFrameMs): number => (frameMs * VAD_SAMPLE_RATE) / 1000;

const STRUCT_BYTES = 740; // sizeof(struct Fvad) on wasm32
const INIT_FLAG_OFFSET = 732; // VadInstT.init_flag, kInitCheck once initialised
const INIT_CHECK = 42;
const RATE_INDEX_OFFSET = 736; // Fvad.rate_idx: index of the rate in {8, 16, 32, 48} kHz
const RATE_INDEX_16K = 1;
const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER = 4; // version u8, mode u8, struct size u16 (little-endian)
export const VAD_SNAPSHOT_BYTES = SNAPSHOT_HEADER + STRUCT_BYTES;

const isMode = (mode: number): mode is VadMode => Number.isInteger(mode) && mode >= 0 && mode <= 3;

let loading: Promise<WebRtcVadRuntime> | undefined;

/** The instantiated wasm module; all VADs of a process share its memory. */
export class WebRtcVadRuntime {
  /** Frame buffer in the wasm memory, large enough for a 30 ms frame. */
  private readonly frame: number;
  /** Frees the instances a caller dropped without `free()`. */
  private readonly finalizer: FinalizationRegistry<number>;

  private constructor(private readonly wasm: FvadModule) {
    this.frame = wasm._malloc(vadFrameSamples(30) * 2);
    if (this.frame === 0) throw new Error('fvad-wasm: out of memory for the frame buffer');
    this.finalizer = new FinalizationRegistry((instance) => wasm._fvad_free(instance));
  }

  /** Instantiates the wasm module once per process. */
  static load(): Promise<WebRtcVadRuntime> {
    loading ??= createFvadModule().then((wasm) => new WebRtcVadRuntime(wasm));
    return loading;
  }

  /** A fresh VAD at 16 kHz in `mode` (0 least, 3 most aggressive in calling audio non-speech). */
  create(mode: VadMode = 3): WebRtcVad {
    if (!isMode(mode)) throw new RangeError(`WebRTC VAD mode must be 0, 1, 2 or 3, got ${String(mode)}`);
    const instance = this.allocate();
    if (this.wasm._fvad_set_mode(instance, mode) !== 0 || this.wasm._fvad_set_sample_rate(instance, VAD_SAMPLE_RATE) !== 0) {
      this.wasm._fvad_free(instance);
      throw new Error(`fvad-wasm refused mode ${mode} at ${VAD_SAMPLE_RATE} Hz`);
    }
    this.checkLayout(instance);
    return new WebRtcVad(this, instance, mode);
  }

  /** A VAD in exactly the state `snapshot` was taken in. */
  restore(snapshot: Uint8Array): WebRtcVad {
    if (snapshot.length !== VAD_SNAPSHOT_BYTES) {
      throw new RangeError(`VAD snapshot must be ${VAD_SNAPSHOT_BYTES} bytes, got ${snapshot.length}`);
    }
    const view = new DataView(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
    const version = view.getUint8(0);
    const mode = view.getUint8(1);
    const size = view.getUint16(2, true);
    if (version !== SNAPSHOT_VERSION || size !== STRUCT_BYTES || !isMode(mode)) {
      throw new RangeError(`VAD snapshot: unsupported version ${version}, struct size ${size} or mode ${mode}`);
    }
    const instance = this.allocate();
    this.wasm.HEAPU8.set(snapshot.subarray(SNAPSHOT_HEADER), instance);
    this.checkLayout(instance);
    return new WebRtcVad(this, instance, mode);
  }

  /** @internal */
  process(instance: number, samples: Int16Array): boolean {
    this.wasm.HEAP16.set(samples, this.frame >> 1);
    const result = this.wasm._fvad_process(instance, this.frame, samples.length);
    if (result < 0) {
      throw new RangeError(`WebRTC VAD frame must be 160, 320 or 480 samples (10/20/30 ms at 16 kHz), got ${samples.length}`);
    }
    return result === 1;
  }

  /** @internal */
  snapshot(instance: number, mode: VadMode): Uint8Array {
    const out = new Uint8Array(VAD_SNAPSHOT_BYTES);
    const view = new DataView(out.buffer);
    view.setUint8(0, SNAPSHOT_VERSION);
    view.setUint8(1, mode);
    view.setUint16(2, STRUCT_BYTES, true);
    out.set(this.wasm.HEAPU8.subarray(instance, instance + STRUCT_BYTES), SNAPSHOT_HEADER);
    return out;
  }

  /** @internal */
  track(vad: WebRtcVad, instance: number): void {
    this.finalizer.register(vad, instance, vad);
  }

  /** @internal */
  release(vad: WebRtcVad, instance: number): void {
    this.finalizer.unregister(vad);
    this.wasm._fvad_free(instance);
  }

  private allocate(): number {
    const instance = this.wasm._fvad_new();
    if (instance === 0) throw new Error('fvad-wasm: out of memory for a VAD instance');
    return instance;
  }

  /** The snapshot copies raw bytes: make sure the struct is where and what this module expects. */
  private checkLayout(instance: number): void {
    const initFlag = this.wasm.HEAP32[(instance + INIT_FLAG_OFFSET) >> 2];
    const rateIndex = this.wasm.HEAP32[(instance + RATE_INDEX_OFFSET) >> 2];
    if (initFlag !== INIT_CHECK || rateIndex !== RATE_INDEX_16K) {
      this.wasm._fvad_free(instance);
      throw new Error(
        `fvad-wasm: struct Fvad layout differs from the ${STRUCT_BYTES}-byte layout snapshots assume ` +
          `(init_flag ${initFlag}, rate index ${rateIndex}); was @echogarden/fvad-wasm upgraded?`,
      );
    }
  }
}

/** One stream's VAD. Not shared between streams: its decisions depend on all frames fed before. */
export class WebRtcVad {
  private instance: number;

  /** @internal use WebRtcVadRuntime.create or restore */
  constructor(
    private readonly runtime: WebRtcVadRuntime,
    instance: number,
    readonly mode: VadMode,
  ) {
    this.instance = instance;
    runtime.track(this, instance);
  }

  /** Classifies the next frame of the stream: 160, 320 or 480 samples of 16 kHz audio. */
  isSpeech(frame: Int16Array): boolean {
    return this.runtime.process(this.live(), frame);
  }

  /** The whole internal state, `VAD_SNAPSHOT_BYTES` bytes (versioned); restore with `WebRtcVadRuntime.restore`. */
  snapshot(): Uint8Array {
    return this.runtime.snapshot(this.live(), this.mode);
  }

  /** Returns the instance's wasm memory now (otherwise it is freed when this object is collected). */
  free(): void {
    if (this.instance === 0) return;
    this.runtime.release(this, this.instance);
    this.instance = 0;
  }

  private live(): number {
    if (this.instance === 0) throw new Error('WebRTC VAD used after free()');
    return this.instance;
  }
}
