import { createHash } from 'node:crypto';

/**
 * sfc32, a small PRNG whose whole state is four 32-bit words: the state travels with a window's
 * statistics (see window-statistics.ts), so a replay after a restore draws the same numbers and keeps
 * the same reservoir. Seeded from a string key through SHA-256, so the sequence is a pure function of
 * the key on every machine and Node version.
 */
export class Prng {
  private constructor(private readonly s: Uint32Array) {}

  /** A generator seeded from a stable key (e.g. `tenant|model|window start`), warmed up by 12 draws. */
  static fromKey(key: string): Prng {
    const digest = createHash('sha256').update(key, 'utf8').digest();
    const prng = new Prng(new Uint32Array([digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)]));
    for (let i = 0; i < 12; i++) prng.nextUint32();
    return prng;
  }

  /** A generator continuing from a state saved by `state()`. */
  static fromState(state: ArrayLike<number>): Prng {
    if (state.length !== 4) throw new RangeError(`a PRNG state has 4 words, got ${state.length}`);
    return new Prng(Uint32Array.from(state));
  }

  /** A copy of the four state words. */
  state(): Uint32Array {
    return Uint32Array.from(this.s);
  }

  nextUint32(): number {
    const s = this.s;
    const t = (((s[0]! + s[1]!) >>> 0) + s[3]!) >>> 0;
    s[3] = (s[3]! + 1) >>> 0;
    s[0] = s[1]! ^ (s[1]! >>> 9);
    s[1] = (s[2]! + (s[2]! << 3)) >>> 0;
    s[2] = (((s[2]! << 21) | (s[2]! >>> 11)) + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Integer uniform in [0, n), n ≤ 2^32. Multiply-and-floor: the bias is below n / 2^32, i.e. under
   * 2.4e-4 even for a window of a million records.
   */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fills `out` with independent normal values of mean 0 and standard deviation `sd` (Box–Muller, both outputs used). */
  fillGaussian(out: Float32Array | Float64Array, sd = 1): void {
    for (let i = 0; i < out.length; i += 2) {
      const radius = sd * Math.sqrt(-2 * Math.log(1 - this.next()));
      const angle = 2 * Math.PI * this.next();
      out[i] = radius * Math.cos(angle);
      if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
    }
  }
}
