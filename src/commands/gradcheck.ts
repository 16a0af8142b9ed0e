/**
 * `elunet gradcheck`: the test suite's finite-difference harness (src/gradcheck/network.ts) applied to a
 * whole zoo model, tensor by tensor, printed as a table. Random inputs and labels; dropout masks stay fixed
 * between evaluations because they are keyed by (seed, step, sample).
 */
import { ElunetError } from '../errors.js';
import { gradCheck } from '../gradcheck/finite-difference.js';
import { networkLoss, networkParams } from '../gradcheck/network.js';
import { textTable } from '../table.js';
import { parseActivation } from '../kernels/activation.js';
import { models } from '../model/zoo.js';
import { Network } from '../model/network.js';
import type { Norm } from '../model/spec.js';
import { Rng } from '../rng.js';
import { chooseKernels } from '../run/setup.js';
import { kernelsByName } from '../simd/index.js';

export function gradcheckCommand(opts: {
  model: string; activation: string; width: number; batchNorm?: boolean; norm?: Norm; input?: string; batch: number; checks: number; seed: number; step: number; tol: number;
  kernels?: string;
}): void {
  const kernels = chooseKernels(opts.kernels, (l) => console.log(l));
  const entry = models[opts.model];
  if (!entry) throw new ElunetError(`--model: unknown model '${opts.model}'; expected one of: ${Object.keys(models).join(', ')}`);
  let input: [number, number, number] | undefined;
  if (opts.input) {
    const p = opts.input.split(',').map(Number);
    if (p.length !== 3 || p.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new ElunetError(`--input must be three positive integers C,H,W such as 3,32,32; got '${opts.input}'`);
    }
    input = [p[0], p[1], p[2]];
  }
  const spec = entry.build({ activation: parseActivation(opts.activation), width: opts.width, batchNorm: opts.batchNorm, norm: opts.norm, input });
  const net = new Network(spec, { maxBatch: opts.batch, kernels: kernelsByName(kernels) });
  net.initParams(opts.seed);
  const rng = new Rng(opts.seed + 1);
  const n = opts.batch;
  const [c, h, w] = spec.input;
  const x = new Float32Array(n * c * h * w);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const out0 = net.forward(x, n, 'eval');
  const outSize = out0.length / n;
  const target: Int32Array | Float32Array = spec.loss === 'softmax-ce' ? new Int32Array(n) : new Float32Array(x);
  if (target instanceof Int32Array) for (let i = 0; i < n; i++) target[i] = rng.int(outSize);
  const keys = { seed: opts.seed, step: 0, sampleIds: Int32Array.from({ length: n }, (_, i) => i) };
  console.log(`gradient check of ${opts.model} (${opts.activation}, width ${opts.width}${opts.batchNorm ? ', batch norm' : ''}${opts.norm && opts.norm !== 'none' ? `, ${opts.norm}` : ''}), ${n} samples, ${net.paramCount.toLocaleString('en-US')} parameters, ${kernels} kernels`);
  console.log(`error = |analytic − numeric| / max(|analytic| + |numeric|, 1e-3); tolerance ${opts.tol} (float32 central differences, h = ${opts.step}, ${opts.step / 3} or ${opts.step / 10}: the best of the three);`);
  console.log('an element whose one-sided slopes disagree by > 0.1 at every h has a kink (max-pool switch, ReLU crossing) within ±h and is skipped\n');
  const rows: string[][] = [];
  let failed = 0;
  const details: string[] = [];
  const loss = networkLoss({ net, x, n, target, keys });
  for (const [i, p] of networkParams(net).entries()) {
    const r = gradCheck({
      name: p.name,
      params: [p],
      ...loss,
      seed: opts.seed + 7,
      maxChecks: opts.checks,
      kinkTol: 0.1,
      tol: opts.tol,
      steps: [opts.step, opts.step / 3, opts.step / 10],
    });
    if (!r.ok) {
      failed++;
      details.push(`${p.name}:`, ...r.failures);
    }
    rows.push([p.name, net.layout[i].shape.join('×'), String(r.checked), String(r.skipped), r.worst.toExponential(2), r.ok ? 'ok' : 'FAIL']);
  }
  const header = ['tensor', 'shape', 'checked', 'skipped (kink)', 'worst error', 'result'];
  console.log(textTable(header, rows, { align: header.map(() => 'left') }));
  if (failed > 0) {
    console.log('\nfailing elements (the best of the step sizes):\n' + details.join('\n'));
    throw new ElunetError(`${failed} of ${net.layout.length} tensors failed the gradient check`);
  }
  console.log(`\nall ${net.layout.length} tensors pass`);
}
