/** Types for the emscripten build of libfvad shipped by @echogarden/fvad-wasm (the package has none). */
declare module '@echogarden/fvad-wasm' {
  export interface FvadModule {
    /** Views of the wasm linear memory; replaced when the memory grows, so read them after every allocation. */
    readonly HEAP16: Int16Array;
    readonly HEAPU8: Uint8Array;
    readonly HEAP32: Int32Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    /** Allocates a `struct Fvad` and resets it (mode 0, 8 kHz); 0 when out of memory. */
    _fvad_new(): number;
    _fvad_free(instance: number): void;
    _fvad_reset(instance: number): void;
    /** 0, or -1 for an invalid mode. */
    _fvad_set_mode(instance: number, mode: number): number;
    /** 0, or -1 for an invalid rate. */
    _fvad_set_sample_rate(instance: number, sampleRate: number): number;
    /** 1 speech, 0 non-speech, -1 invalid frame length. */
    _fvad_process(instance: number, frame: number, length: number): number;
  }
  const createFvadModule: () => Promise<FvadModule>;
  export default createFvadModule;
}
