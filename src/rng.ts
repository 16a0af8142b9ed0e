/**
 * Seeded random numbers: the only source of randomness in elunet (there is no Math.random in src/).
 *
 * The generator is sfc32 (Chris Doty-Humphrey's "small fast counting" generator, 128 bits of state,
 * period ≥ 2³²), seeded through splitmix32 so that nearby seeds give unrelated streams.
 *
 * keyedRng(seed, k1, k2, …) hashes a tuple of integers into a fresh, independent stream. Training uses
 * keyedRng(seed, step, sample) for dropout masks and augmentation, so the random numbers a sample sees do
 * not depend on which worker thread processes it, or on how many workers there are.
 */

/** splitmix32 finalizer: a bijective 32-bit mix with good avalanche. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash a tuple of integers (each taken modulo 2³²) into one 32-bit value. */
export function hashKeys(keys: readonly number[]): number {
  let h = 0x243f6a88;
  for (const k of keys) {
    const lo = k >>> 0;
    const hi = Math.floor(k / 4294967296) >>> 0; // keys up to 2⁵³ keep their high bits
    h = mix32(h ^ lo);
    if (hi !== 0) h = mix32(h ^ hi ^ 0x51ed270b);
  }
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    const s = hashKeys([seed]);
    this.a = mix32(s);
    this.b = mix32(s ^ 0x1b873593);
    this.c = mix32(s ^ 0x68e31da4);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next(); // warm up past the seeding correlation
  }

  /** Next 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal N(0, 1) by the Box–Muller transform (pairs are cached). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: any }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

/** An independent stream for a tuple of integer keys, e.g. keyedRng(seed, step, sample). */
export function keyedRng(...keys: number[]): Rng {
  return new Rng(hashKeys(keys));
}
