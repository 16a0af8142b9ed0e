/**
 * Weight initialisers: fill a weight view with random numbers whose spread keeps the signal's variance
 * roughly constant from layer to layer.
 *
 *   w: (any shape, filled in order)    fanIn = C·KH·KW for conv, in for dense;  fanOut = OC·KH·KW, out
 *
 *   heNormal       w ~ N(0, 2/fanIn)                  std √(2/fanIn)           (He et al. 2015, for ReLU-like units)
 *   heUniform      w ~ U(−b, b),  b = √(6/fanIn)       same variance 2/fanIn    (PyTorch kaiming_uniform_, a = 0)
 *   lecunNormal    w ~ N(0, 1/fanIn)                  std √(1/fanIn)           (the SELU recipe)
 *   glorotUniform  w ~ U(−b, b),  b = √(6/(fanIn+fanOut))  variance 2/(fanIn+fanOut)   (Glorot & Bengio 2010)
 *   glorotNormal   w ~ N(0, 2/(fanIn+fanOut))         std √(2/(fanIn+fanOut))
 *
 * Each takes an optional `gain` that multiplies its standard deviation (and bound); 1 by default, which leaves
 * the numbers exactly as without it. centredGain gives the gain He's argument asks for when a layer's inputs
 * are centred activations (the control of docs/theory.md §8).
 *
 * A uniform U(−b, b) has variance b²/3, which is why the bounds carry a 6 where the variances carry a 2.
 * Why 2/fanIn for ReLU: a unit's output y = Σ w·z has Var y = fanIn·Var w·E[z²]; for z = ReLU of a symmetric
 * input E[z²] is half the input variance, so Var w = 2/fanIn keeps Var y unchanged. The ELU paper's MLPs use
 * He initialisation (normal or uniform is not stated).
 *
 * Plain (not truncated) normals, as PyTorch's kaiming_normal_ and xavier_normal_. The numbers come from an
 * Rng (src/rng.ts), so the same seed fills the same weights. Biases are set to zero by the caller.
 *
 * Docs: docs/kernels/init.md.
 */
import { checkInt } from '../errors.js';

/**
 * What an initialiser draws from: src/rng.ts's Rng fits. (Kernels import nothing but ../errors.js and each
 * other, so the generator is described here rather than imported.)
 */
export interface RandomSource {
  /** uniform in [0, 1) */
  uniform(): number;
  /** standard normal N(0, 1) */
  normal(): number;
}

function fillNormal(w: Float32Array, std: number, rng: RandomSource): void {
  for (let i = 0; i < w.length; i++) w[i] = std * rng.normal();
}

function fillUniform(w: Float32Array, bound: number, rng: RandomSource): void {
  const width = 2 * bound;
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform() * width - bound;
}

/** w ~ N(0, 2/fanIn). */
export function heNormal(w: Float32Array, fanIn: number, rng: RandomSource, gain = 1): void {
  checkInt('heNormal: fanIn', fanIn, 1);
  fillNormal(w, Math.sqrt(2 / fanIn) * gain, rng);
}

/** w ~ U(−√(6/fanIn), √(6/fanIn)): variance 2/fanIn. */
export function heUniform(w: Float32Array, fanIn: number, rng: RandomSource, gain = 1): void {
  checkInt('heUniform: fanIn', fanIn, 1);
  fillUniform(w, Math.sqrt(6 / fanIn) * gain, rng);
}

/** w ~ N(0, 1/fanIn). */
export function lecunNormal(w: Float32Array, fanIn: number, rng: RandomSource, gain = 1): void {
  checkInt('lecunNormal: fanIn', fanIn, 1);
  fillNormal(w, Math.sqrt(1 / fanIn) * gain, rng);
}

/** w ~ U(−√(6/(fanIn+fanOut)), √(6/(fanIn+fanOut))): variance 2/(fanIn+fanOut). */
export function glorotUniform(w: Float32Array, fanIn: number, fanOut: number, rng: RandomSource, gain = 1): void {
  checkInt('glorotUniform: fanIn', fanIn, 1);
  checkInt('glorotUniform: fanOut', fanOut, 1);
  fillUniform(w, Math.sqrt(6 / (fanIn + fanOut)) * gain, rng);
}

/** w ~ N(0, 2/(fanIn+fanOut)). */
export function glorotNormal(w: Float32Array, fanIn: number, fanOut: number, rng: RandomSource, gain = 1): void {
  checkInt('glorotNormal: fanIn', fanIn, 1);
  checkInt('glorotNormal: fanOut', fanOut, 1);
  fillNormal(w, Math.sqrt(2 / (fanIn + fanOut)) * gain, rng);
}

/**
 * He's argument for centred inputs. A unit fed by a = f(z) receives E[a²] = E[f(z)²]; fed by the centred
 * a = f(z) − E[f(z)] it receives Var f(z), less by the squared mean. To keep its net input's variance the
 * weights' standard deviation must then grow by
 *
 *   gain = √( E[f(z)²] / Var f(z) )      z ~ N(0, 1)          ReLU: 1/√(1 − 1/π) ≈ 1.2112;  ELU (α = 1) ≈ 1.021
 *
 * Without it, a stack of centred ReLUs initialized by He's rule loses a factor 1 − 1/π ≈ 0.68 of its mean
 * square per layer. `f(y, x, count)` is the activation's forward (activationForward with its parameter); the
 * moments are taken by Simpson's rule over [−12, 12] with 4800 intervals against the normal density (the tails
 * beyond carry < 1e-32 of it), f evaluated in float32.
 */
export function centredGain(f: (y: Float32Array, x: Float32Array, count: number) => void): number {
  const intervals = 4800;
  const lo = -12;
  const step = 24 / intervals;
  const x = new Float32Array(intervals + 1);
  for (let i = 0; i <= intervals; i++) x[i] = lo + i * step;
  const y = new Float32Array(intervals + 1);
  f(y, x, intervals + 1);
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i <= intervals; i++) {
    const z = lo + i * step;
    const simpson = i === 0 || i === intervals ? 1 : i % 2 ? 4 : 2;
    const w = (simpson * step * Math.exp(-0.5 * z * z)) / (3 * Math.sqrt(2 * Math.PI));
    m1 += w * y[i];
    m2 += w * y[i] * y[i];
  }
  return Math.sqrt(m2 / (m2 - m1 * m1));
}
