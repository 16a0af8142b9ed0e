/**
 * The playground's Web Worker: trains the paper's MNIST MLP (src/model/zoo.ts, 'mnist-mlp') on the embedded
 * digits with the same kernels, network and SGD as the command line, bundled for the browser by esbuild.
 *
 * The data and the schedule are the command line's: the 10,000 digits split 8000 / 2000 by the same seeded,
 * class-stratified split (seed 0); every epoch visits the training digits in the order
 * keyedRng(seed, 0x5348, epoch).permutation(8000), as src/train/loop.ts does. What the worker reports is in
 * the live-log format of src/live/format.ts, so the page draws it with the same code as a run on disk:
 * a header, `steps` records, probes (src/live/probe.ts, every `probeEvery` steps) and, at every evaluation,
 * the first-layer weights and misclassified test digits; plus an evaluation point (test loss and accuracy).
 *
 * The worker trains in slices of about 40 ms and yields between them, so a 'stop' message is seen at once.
 */
import { keyedRng } from '../src/rng.js';
import { Network } from '../src/model/network.js';
import { models } from '../src/model/zoo.js';
import { parseActivation } from '../src/kernels/activation.js';
import { Sgd } from '../src/optim/sgd.js';
import { stratifiedSplitIndices } from '../src/data/dataset.js';
import { decodeDigits } from '../src/serve/digits.js';
import { LIVE_FORMAT, LIVE_VERSION, encodeBase64, type EvalPoint, type LiveRecord } from '../src/live/format.js';
import { findMisclassified, firstLayerFilters, probeActivations } from '../src/live/probe.js';

export interface StartMessage {
  type: 'start';
  /** the bytes of /data/digits.bin */
  digits: ArrayBuffer;
  activation: string;
  width: number;
  lr: number;
  batch: number;
  steps: number;
  seed: number;
  /** steps between evaluations on the test digits */
  evalEvery: number;
  /** steps between activation probes */
  probeEvery: number;
  /** test digits per evaluation */
  evalSamples: number;
}

export type ToWorker = StartMessage | { type: 'stop' };

export type FromWorker =
  | { type: 'record'; record: LiveRecord }
  | { type: 'eval'; point: EvalPoint }
  | { type: 'done'; stopped: boolean; seconds: number }
  | { type: 'error'; message: string };

const ctx = self as unknown as { postMessage(m: FromWorker): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
let stopped = false;
let lastYield = 0;

ctx.onmessage = (e) => {
  if (e.data.type === 'stop') stopped = true;
  else {
    stopped = false;
    train(e.data).catch((err: unknown) => ctx.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
  }
};

const PROBE_SAMPLES = 128;

async function train(m: StartMessage): Promise<void> {
  const t0 = performance.now();
  lastYield = t0;
  const all = decodeDigits(new Uint8Array(m.digits));
  const size = all.h * all.w;
  // the command line's split of the embedded digits: 20 % test, seed 0 (src/data/mnist-embedded.ts)
  const { kept: trainIds, heldOut: testIds } = stratifiedSplitIndices(all.labels, 10, 0.2, 0);
  const src = { images: all.images, labels: all.labels, n: all.n, c: 1, h: all.h, w: all.w };
  const activation = parseActivation(m.activation);
  const spec = models['mnist-mlp'].build({ activation, width: m.width, input: [1, all.h, all.w], classes: 10 });
  const chunk = Math.max(m.batch, 64);
  const net = new Network(spec, { maxBatch: chunk });
  net.initParams(m.seed);
  const opt = new Sgd(net.layout, { momentum: 0.9 });
  const stepsPerEpoch = Math.floor(trainIds.length / m.batch);
  const x = new Float32Array(chunk * size);
  const labels = new Int32Array(m.batch);
  const probeIds = Int32Array.from(keyedRng(m.seed, 0x57a75).permutation(trainIds.length).subarray(0, PROBE_SAMPLES), (i) => trainIds[i]);
  const evalIds = testIds.subarray(0, Math.min(m.evalSamples, testIds.length));

  ctx.postMessage({
    type: 'record',
    record: {
      t: 'header',
      format: LIVE_FORMAT,
      version: LIVE_VERSION,
      time: new Date().toISOString(),
      model: spec.name,
      activation,
      batchNorm: false,
      input: [1, all.h, all.w],
      classes: 10,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      layers: net.model.hidden.map((i) => net.model.layers[i].name.replace(/\.(act|bn)$/, '')),
      batch: m.batch,
      stepsPerEpoch,
      totalSteps: m.steps,
      startStep: 0,
      probeSamples: probeIds.length,
    },
  });

  let perm: Int32Array = new Int32Array(0);
  let pending = { from: 1, loss: [] as number[], acc: [] as number[], lr: [] as number[] };
  const flush = () => {
    if (pending.loss.length === 0) return;
    ctx.postMessage({ type: 'record', record: { t: 'steps', ...pending } });
    pending = { from: pending.from + pending.loss.length, loss: [], acc: [], lr: [] };
  };
  let windowLoss = 0;
  let windowAcc = 0;
  let windowSteps = 0;
  let searchFrom = 0;
  const evalStart = performance.now();
  let lastEval = evalStart;
  let lastEvalStep = 0;

  for (let step = 1; step <= m.steps && !stopped; step++) {
    const epoch = Math.floor((step - 1) / stepsPerEpoch);
    const s = (step - 1) % stepsPerEpoch;
    if (s === 0) perm = keyedRng(m.seed, 0x5348, epoch).permutation(trainIds.length);
    for (let k = 0; k < m.batch; k++) {
      const id = trainIds[perm[s * m.batch + k]];
      x.set(all.images.subarray(id * size, (id + 1) * size), k * size);
      labels[k] = all.labels[id];
    }
    net.zeroGrad();
    // the MLP has no dropout, so a train-mode forward needs no dropout keys
    const out = net.forward(x, m.batch, 'train');
    const loss = net.loss(labels, m.batch);
    net.backward(labels, m.batch, 1 / m.batch);
    opt.step(net.params, net.grads, m.lr);
    let correct = 0;
    for (let r = 0; r < m.batch; r++) {
      let best = 0;
      for (let j = 1; j < 10; j++) if (out[r * 10 + j] > out[r * 10 + best]) best = j;
      if (best === labels[r]) correct++;
    }
    pending.loss.push(round(loss));
    pending.acc.push(round(correct / m.batch));
    pending.lr.push(m.lr);
    windowLoss += loss;
    windowAcc += correct / m.batch;
    windowSteps++;
    if (!Number.isFinite(loss)) {
      flush();
      ctx.postMessage({ type: 'error', message: `the loss became ${loss} at step ${step}: training diverged; try a smaller learning rate` });
      return;
    }

    if (step % m.probeEvery === 0 || step === m.steps) {
      flush();
      const p = probeActivations(net, src, probeIds, x);
      ctx.postMessage({ type: 'record', record: { t: 'probe', step, samples: p.samples, median: round(p.median), layers: p.layers } });
    }
    if (step % m.evalEvery === 0 || step === m.steps) {
      flush();
      const ev = evaluate(net, src, evalIds, x);
      const now = performance.now();
      ctx.postMessage({
        type: 'eval',
        point: {
          epoch: step / stepsPerEpoch,
          step,
          trainLoss: windowLoss / windowSteps,
          trainAcc: windowAcc / windowSteps,
          testLoss: ev.loss,
          testAcc: ev.acc,
          samplesPerSec: ((step - lastEvalStep) * m.batch) / ((now - lastEval) / 1000),
        },
      });
      lastEval = now;
      lastEvalStep = step;
      windowLoss = windowAcc = windowSteps = 0;
      const f = firstLayerFilters(net);
      if (f) ctx.postMessage({ type: 'record', record: { t: 'filters', step, layer: f.layer, shape: f.shape, scales: f.scales, count: f.count, c: f.c, h: f.h, w: f.w, data: encodeBase64(f.bytes) } });
      const wrong = findMisclassified(net, src, testIds, searchFrom, testIds.length, 16, x);
      searchFrom = (searchFrom + wrong.checked) % testIds.length;
      ctx.postMessage({
        type: 'record',
        record: { t: 'misclassified', step, count: wrong.count, c: 1, h: all.h, w: all.w, ids: wrong.ids, labels: wrong.labels, preds: wrong.preds, checked: wrong.checked, data: encodeBase64(wrong.bytes) },
      });
    }
    if (performance.now() - lastYield > 40) {
      flush();
      await new Promise((r) => setTimeout(r, 0));
      lastYield = performance.now();
    }
  }
  flush();
  ctx.postMessage({ type: 'done', stopped, seconds: (performance.now() - t0) / 1000 });
}

/** Eval-mode mean loss and accuracy over `ids`. */
function evaluate(net: Network, src: { images: Float32Array; labels: Int32Array; h: number; w: number }, ids: Int32Array, x: Float32Array): { loss: number; acc: number } {
  const size = src.h * src.w;
  const chunk = net.maxBatch;
  const labels = new Int32Array(chunk);
  let lossSum = 0;
  let correct = 0;
  for (let o = 0; o < ids.length; o += chunk) {
    const n = Math.min(chunk, ids.length - o);
    for (let k = 0; k < n; k++) {
      const id = ids[o + k];
      x.set(src.images.subarray(id * size, (id + 1) * size), k * size);
      labels[k] = src.labels[id];
    }
    const out = net.forward(x, n, 'eval');
    lossSum += net.loss(labels.subarray(0, n), n) * n;
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let j = 1; j < 10; j++) if (out[r * 10 + j] > out[r * 10 + best]) best = j;
      if (best === labels[r]) correct++;
    }
  }
  return { loss: lossSum / ids.length, acc: correct / ids.length };
}

function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}
