/**
 * SELU, the scaled ELU of Self-Normalizing Networks (Klambauer, Unterthiner, Mayr & Hochreiter 2017).
 *
 *   x: (count)   y: (count)   λ = SELU_LAMBDA ≈ 1.0507, α = SELU_ALPHA ≈ 1.6733
 *
 *   y = λ · x              if x > 0
 *   y = λ · α · (eˣ − 1)   if x ≤ 0          (λ times an ELU with parameter α; saturates to −λα ≈ −1.7581)
 *
 * Backward, from the output, exactly as for ELU (d/dx λα(eˣ−1) = λα·eˣ = y + λα):
 *
 *   dx += dy · (y > 0 ? λ : y + λα)
 *
 * The two constants are chosen so that (mean 0, variance 1) is a fixed point: if x ~ N(0,1) then
 * E[selu(x)] = 0 and Var[selu(x)] = 1 (test/activations.test.ts integrates both numerically). With LeCun-normal
 * weights, a layer then hands the next one activations of mean ≈ 0 and variance ≈ 1 again.
 *
 * Docs: docs/kernels/activations.md. Letters: docs/notation.md.
 */

/** α of SELU, to the digits the SNN paper gives. */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
/** λ (the scale) of SELU, to the digits the SNN paper gives. */
export const SELU_LAMBDA = 1.0507009873554804934193349852946;

/** y[i] = λ·x[i] if x[i] > 0, else λα·expm1(x[i]), for i < count. May run in place (y === x). */
export function seluForward(y: Float32Array, x: Float32Array, count: number): void {
  const lambda = SELU_LAMBDA;
  const lambdaAlpha = SELU_LAMBDA * SELU_ALPHA;
  for (let i = 0; i < count; i++) {
    const v = x[i];
    y[i] = v > 0 ? lambda * v : lambdaAlpha * Math.expm1(v);
  }
}

/** dx[i] += dy[i] · (y[i] > 0 ? λ : y[i] + λα), from the forward's output y. Accumulates. */
export function seluBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, count: number): void {
  const lambda = SELU_LAMBDA;
  const lambdaAlpha = SELU_LAMBDA * SELU_ALPHA;
  for (let i = 0; i < count; i++) {
    const v = y[i];
    dx[i] += dy[i] * (v > 0 ? lambda : v + lambdaAlpha);
  }
}
