/**
 * Metrics computed by the training loop.
 *
 * - top-k accuracy from a block of logits;
 * - the paper's Fig. 2 quantity: for every hidden unit, its mean activation over a fixed subset of the
 *   training data, and the median of those means over all units (a "unit" of a conv layer is a channel,
 *   averaged over positions). The per-layer mean activation is reported beside it.
 */
import { median } from '../stats/summary.js';

/** Number of rows whose label is the arg-max of the row (top-1) and among the k largest (top-k). */
export function countCorrect(
  logits: Float32Array,
  labels: Int32Array,
  n: number,
  classes: number,
  k = 5,
): { top1: number; topk: number } {
  let top1 = 0;
  let topk = 0;
  for (let r = 0; r < n; r++) {
    const base = r * classes;
    const label = labels[r];
    const target = logits[base + label];
    let best = 0;
    let above = 0; // how many classes score strictly higher than the true label
    for (let j = 0; j < classes; j++) {
      const v = logits[base + j];
      if (v > logits[base + best]) best = j;
      if (v > target) above++;
    }
    if (best === label || above === 0) top1++;
    if (above < k) topk++;
  }
  return { top1, topk };
}

/** Accumulates per-unit sums of hidden activations over several forward passes. */
export class UnitActivationStats {
  private sums: Float64Array[] = [];
  private counts: number[] = [];
  private names: string[] = [];

  add(layers: { name: string; data: Float32Array; units: number; spatial: number }[], n: number): void {
    if (this.sums.length === 0) {
      for (const l of layers) {
        this.sums.push(new Float64Array(l.units));
        this.counts.push(0);
        this.names.push(l.name);
      }
    }
    layers.forEach((l, li) => {
      const s = this.sums[li];
      const per = l.units * l.spatial;
      for (let r = 0; r < n; r++) {
        for (let u = 0; u < l.units; u++) {
          const base = r * per + u * l.spatial;
          let acc = 0;
          for (let p = 0; p < l.spatial; p++) acc += l.data[base + p];
          s[u] += acc;
        }
      }
      this.counts[li] += n * l.spatial;
    });
  }

  /** { median over all units of the unit means, mean activation of each layer } */
  result(): { medianUnitActivation: number; layerMeanActivation: { name: string; mean: number }[] } {
    const all: number[] = [];
    const layerMeanActivation = this.sums.map((s, li) => {
      let tot = 0;
      for (let u = 0; u < s.length; u++) {
        const m = s[u] / this.counts[li];
        all.push(m);
        tot += m;
      }
      return { name: this.names[li], mean: tot / s.length };
    });
    return { medianUnitActivation: median(all), layerMeanActivation };
  }
}
