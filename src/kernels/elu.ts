/**
 * ELU, the exponential linear unit (Clevert, Unterthiner & Hochreiter 2016): the op this library is about.
 *
 *   x: (count)   y: (count)   α > 0 (1.0 in every experiment of the paper)
 *
 *   y = x                 if x > 0
 *   y = α·(eˣ − 1)        if x ≤ 0          (saturates to −α as x → −∞)
 *
 * Backward, from the OUTPUT (no x needed):
 *
 *   dx += dy · 1          if y > 0
 *   dx += dy · (y + α)    if y ≤ 0          because d/dx α(eˣ−1) = α·eˣ = y + α
 *
 * y > 0 exactly when x > 0, so the test on y picks the same branch as the test on x. Needing only y means the
 * forward may overwrite its input (y === x): a network keeps one buffer per ELU layer, not two.
 *
 * Math.expm1 rather than Math.exp(x) − 1: for small |x| the subtraction would cancel most digits.
 * The positive branch is `x > 0` as in the authors' GPU code; for α = 1 the function is C¹ at 0 (value 0,
 * slope 1 from both sides), so the choice of `>` or `≥` does not matter there.
 *
 * Precision note: far into saturation y + α cancels (y ≈ −α stored in float32), so the backward returns a
 * slope of about 0 where the exact one is α·eˣ < 1e−7·α; the absolute error is at most one float32 ulp of α.
 *
 * Docs: docs/kernels/activations.md. Letters: docs/notation.md.
 */

/** y[i] = x[i] > 0 ? x[i] : α·expm1(x[i]) for i < count. May run in place (y === x). */
export function eluForward(y: Float32Array, x: Float32Array, alpha: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const v = x[i];
    y[i] = v > 0 ? v : alpha * Math.expm1(v);
  }
}

/**
 * dx[i] += dy[i] · (y[i] > 0 ? 1 : y[i] + α), from the forward's output y. Accumulates.
 *
 * For α = 1 (the paper's value, and every model's default) the slope is min(y, 0) + 1, and min(y, 0) is
 * ½(y − |y|) — exact in doubles, and free of branches. The `y > 0 ?` test mispredicts about half the time when
 * the signs of y look random, as a layer's do; the branch-free loop runs 2–3× faster there (measured on
 * 2^20 uniform values in [−3, 3]) and gives the same bits, since ½(y − |y|) + 1 is exactly y + 1 for y ≤ 0
 * and exactly 1 for finite y > 0. At y = +∞ it would be ∞ − ∞ = NaN where the slope is 1: the one select
 * `y !== ∞` fixes that; it is never taken in practice, so it is never mispredicted (and Math.min(y, 0), which
 * V8 compiles with branches for NaN and −0, ran 4× slower). A NaN y still gives NaN. eluBackwardNaive keeps
 * the plain loop for every α.
 */
export function eluBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, alpha: number, count: number): void {
  if (alpha !== 1) {
    eluBackwardNaive(dx, dy, y, alpha, count);
    return;
  }
  for (let i = 0; i < count; i++) {
    const v = y[i];
    const slope = 0.5 * (v - Math.abs(v)) + 1;
    dx[i] += dy[i] * (v !== Infinity ? slope : 1);
  }
}

/** The reference loop, any α: dx[i] += dy[i] · (y[i] > 0 ? 1 : y[i] + α). */
export function eluBackwardNaive(dx: Float32Array, dy: Float32Array, y: Float32Array, alpha: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const v = y[i];
    dx[i] += v > 0 ? dy[i] : dy[i] * (v + alpha);
  }
}
