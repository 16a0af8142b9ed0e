/**
 * The peer: the same workloads written with TensorFlow.js ops on its pure-JavaScript CPU backend
 * (`tf.setBackend('cpu')`, production mode: no debug checks). Layout is TensorFlow's NHWC with filters
 * (KH, KW, C, OC); the arithmetic is the same as elunet's NCHW kernels, only the memory order differs.
 *
 * Every function returned here runs the whole workload and reads the result with dataSync(), so nothing is
 * left queued; intermediate tensors are disposed by tf.tidy (or, for a training step, by the optimizer), so
 * memory stays flat over repetitions.
 *
 *   matmul        tf.matMul(A, B)
 *   conv forward  tf.conv2d(x, f, 1, 'same')
 *   conv fwd+bwd  tf.grads((x, f) => tf.conv2d(x, f, 1, 'same'))([x, f], dy): the forward and both backward
 *                 kernels (Conv2DBackpropInput for dx, Conv2DBackpropFilter for df), exactly what training runs
 *   ELU forward   tf.elu(x)
 *   ELU backward  the EluGrad kernel that tf.elu's gradient calls, dx = dy · (y > 0 ? 1 : y + 1), run directly
 *                 through tf.engine().runKernel so that the forward is not timed with it
 *   train step    optimizer.minimize(loss) of tf.train.momentum: forward, tf.variableGrads backward, update
 */
import type * as TF from '@tensorflow/tfjs';

export type Tf = typeof TF;

let tfModule: Tf | null = null;

/**
 * Loads @tensorflow/tfjs once and selects a backend: 'cpu' (pure JavaScript, the default) or 'wasm'
 * (@tensorflow/tfjs-backend-wasm: XNNPACK compiled to WebAssembly with SIMD; its Node build runs on one thread).
 */
export async function loadTf(backend: 'cpu' | 'wasm' = 'cpu'): Promise<Tf> {
  if (tfModule) return tfModule;
  const tf = (await import('@tensorflow/tfjs')) as unknown as Tf;
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  tf.enableProdMode();
  const ok = await tf.setBackend(backend);
  if (!ok || tf.getBackend() !== backend) throw new Error(`bench: tfjs could not select the ${backend} backend (got '${tf.getBackend()}')`);
  await tf.ready();
  tfModule = tf;
  return tf;
}

export interface TfWorkload {
  run: () => void;
  dispose: () => void;
}

export function tfMatmul(tf: Tf, m: number, n: number, k: number, a: Float32Array, b: Float32Array): TfWorkload {
  const A = tf.tensor2d(a, [m, k]);
  const B = tf.tensor2d(b, [k, n]);
  return {
    run: () => tf.tidy(() => void tf.matMul(A, B).dataSync()),
    dispose: () => tf.dispose([A, B]),
  };
}

export interface TfConvDims {
  n: number;
  c: number;
  h: number;
  w: number;
  oc: number;
  k: number;
}

/** 3×3 (k×k) stride-1 'same' convolution; `backward` adds both gradients with a given dy. */
export function tfConv(tf: Tf, d: TfConvDims, x: Float32Array, f: Float32Array, dy: Float32Array, backward: boolean): TfWorkload {
  const X = tf.tensor4d(x, [d.n, d.h, d.w, d.c]);
  const F = tf.tensor4d(f, [d.k, d.k, d.c, d.oc]);
  const DY = tf.tensor4d(dy, [d.n, d.h, d.w, d.oc]);
  const conv = (xx: TF.Tensor, ff: TF.Tensor): TF.Tensor =>
    tf.conv2d(xx as TF.Tensor4D, ff as TF.Tensor4D, 1, 'same');
  const grads = tf.grads(conv);
  return {
    run: backward
      ? () =>
          tf.tidy(() => {
            const [dx, df] = grads([X, F], DY);
            dx.dataSync();
            df.dataSync();
          })
      : () => tf.tidy(() => void conv(X, F).dataSync()),
    dispose: () => tf.dispose([X, F, DY]),
  };
}

export function tfEluForward(tf: Tf, x: Float32Array): TfWorkload {
  const X = tf.tensor1d(x);
  return {
    run: () => tf.tidy(() => void tf.elu(X).dataSync()),
    dispose: () => X.dispose(),
  };
}

export function tfEluBackward(tf: Tf, x: Float32Array, dy: Float32Array): TfWorkload {
  const X = tf.tensor1d(x);
  const Y = tf.elu(X);
  const DY = tf.tensor1d(dy);
  return {
    run: () =>
      tf.tidy(() => {
        const dx = tf.engine().runKernel('EluGrad', { dy: DY, y: Y }) as TF.Tensor;
        dx.dataSync();
      }),
    dispose: () => tf.dispose([X, Y, DY]),
  };
}

/** He-normal weights, zero biases, as elunet's zoo initializes them (the values only matter for ELU's branch mix). */
function heVariable(tf: Tf, shape: number[], fanIn: number, seed: number): TF.Variable {
  const init = tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed);
  const v = tf.variable(init);
  init.dispose();
  return v;
}

function zeroVariable(tf: Tf, size: number): TF.Variable {
  const init = tf.zeros([size]);
  const v = tf.variable(init);
  init.dispose();
  return v;
}

/** One-hot float targets (batch, classes). */
function oneHot(tf: Tf, labels: Int32Array, classes: number): TF.Tensor {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat());
}

interface TfModel {
  vars: TF.Variable[];
  loss: () => TF.Scalar;
}

/** The small MNIST CNN: conv3×3 32 ELU, pool 2, conv3×3 64 ELU, pool 2, dense 128 ELU, dense 10, softmax-CE. */
function mnistCnn(tf: Tf, batch: number, x: Float32Array, labels: Int32Array): TfModel & { inputs: TF.Tensor[] } {
  const X = tf.tensor4d(x, [batch, 28, 28, 1]);
  const Y = oneHot(tf, labels, 10);
  const w1 = heVariable(tf, [3, 3, 1, 32], 9, 1);
  const b1 = zeroVariable(tf, 32);
  const w2 = heVariable(tf, [3, 3, 32, 64], 288, 2);
  const b2 = zeroVariable(tf, 64);
  const w3 = heVariable(tf, [7 * 7 * 64, 128], 7 * 7 * 64, 3);
  const b3 = zeroVariable(tf, 128);
  const w4 = heVariable(tf, [128, 10], 128, 4);
  const b4 = zeroVariable(tf, 10);
  const loss = (): TF.Scalar => {
    let h = tf.elu(tf.add(tf.conv2d(X, w1 as TF.Tensor4D, 1, 'same'), b1)) as TF.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'valid');
    h = tf.elu(tf.add(tf.conv2d(h, w2 as TF.Tensor4D, 1, 'same'), b2)) as TF.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'valid');
    const f = tf.reshape(h, [batch, 7 * 7 * 64]) as TF.Tensor2D;
    const d = tf.elu(tf.add(tf.matMul(f, w3 as TF.Tensor2D), b3)) as TF.Tensor2D;
    const logits = tf.add(tf.matMul(d, w4 as TF.Tensor2D), b4);
    return tf.losses.softmaxCrossEntropy(Y, logits) as TF.Scalar;
  };
  return { vars: [w1, b1, w2, b2, w3, b3, w4, b4], loss, inputs: [X, Y] };
}

/** The MLP of paper §3: 784 → 8 × (dense 128, ELU) → dense 10, softmax-CE. */
function mnistMlp(tf: Tf, batch: number, x: Float32Array, labels: Int32Array): TfModel & { inputs: TF.Tensor[] } {
  const X = tf.tensor2d(x, [batch, 784]);
  const Y = oneHot(tf, labels, 10);
  const vars: TF.Variable[] = [];
  let fanIn = 784;
  for (let l = 0; l < 9; l++) {
    const units = l < 8 ? 128 : 10;
    vars.push(heVariable(tf, [fanIn, units], fanIn, 10 + l), zeroVariable(tf, units));
    fanIn = units;
  }
  const loss = (): TF.Scalar => {
    let h = X;
    for (let l = 0; l < 9; l++) {
      const z = tf.add(tf.matMul(h, vars[2 * l] as TF.Tensor2D), vars[2 * l + 1]) as TF.Tensor2D;
      h = l < 8 ? tf.elu(z) : z;
    }
    return tf.losses.softmaxCrossEntropy(Y, h) as TF.Scalar;
  };
  return { vars, loss, inputs: [X, Y] };
}

/** One SGD-momentum (μ = 0.9) training step of `model` on a fixed batch. */
export function tfTrainStep(tf: Tf, model: 'mnist-cnn' | 'mnist-mlp', batch: number, x: Float32Array, labels: Int32Array): TfWorkload {
  const m = model === 'mnist-cnn' ? mnistCnn(tf, batch, x, labels) : mnistMlp(tf, batch, x, labels);
  const opt = tf.train.momentum(0.01, 0.9);
  return {
    run: () => {
      const cost = opt.minimize(m.loss, true, m.vars);
      if (!cost) throw new Error('bench: tfjs minimize returned no cost');
      cost.dataSync();
      cost.dispose();
    },
    dispose: () => {
      opt.dispose();
      tf.dispose([...m.vars, ...m.inputs]);
    },
  };
}
