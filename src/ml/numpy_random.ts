/**
 * NumPy's legacy `RandomState` (MT19937), reproduced bit for bit for what scikit-learn's shuffled
 * splitters use: seeding from an integer (`mt19937_seed`, Matsumoto's init_genrand) and
 * `shuffle` (Fisher-Yates from the end with `random_interval`, a masked rejection draw). So
 * `new NumpyRandomState(seed).shuffle(a)` permutes `a` exactly as
 * `np.random.RandomState(seed).shuffle(a)` does.
 */
const STATE_LENGTH = 624;
const SHIFT = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class NumpyRandomState {
  private readonly key = new Uint32Array(STATE_LENGTH);
  private pos = STATE_LENGTH;

  /** `seed`: an integer in [0, 2**32 - 1], as NumPy requires of an integer seed. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer between 0 and 2**32 - 1, got ${seed}`);
    }
    let s = seed >>> 0;
    for (let i = 0; i < STATE_LENGTH; i++) {
      this.key[i] = s;
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
  }

  /** Regenerates the 624 words of state (mt19937_gen). */
  private twist(): void {
    const key = this.key;
    for (let i = 0; i < STATE_LENGTH; i++) {
      const y = (key[i] & UPPER_MASK) | (key[(i + 1) % STATE_LENGTH] & LOWER_MASK);
      key[i] = key[(i + SHIFT) % STATE_LENGTH] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.pos = 0;
  }

  /** The next tempered 32-bit output (mt19937_next32). */
  nextUint32(): number {
    if (this.pos === STATE_LENGTH) this.twist();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in [0, max] (random_interval): draws masked to the smallest covering bit mask until one is <= max. */
  interval(max: number): number {
    if (max === 0) return 0;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) throw new RangeError(`interval bound must be in [0, 2**32 - 1], got ${max}`);
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** In-place shuffle of a 1-d array, as RandomState.shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}
