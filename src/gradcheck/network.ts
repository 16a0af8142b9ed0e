/**
 * The finite-difference harness for a whole network: Network.forward → loss → backward against central
 * differences of Network.loss (./finite-difference.ts explains the check), for the parameter tensors and,
 * when the network was built with { inputGrad: true }, the input. `elunet gradcheck` checks a zoo model
 * tensor by tensor with it; test/network-gradcheck.test.ts checks small networks of every layer kind.
 *
 * The scalar is L = net.loss(target, n), the per-sample MEAN. backward receives dout = ∂(reported scalar)/∂L
 * and calls net.backward(target, n, dout / n), because backward's scale multiplies the per-sample-loss SUM.
 * With `keys`, dropout masks stay the same at every evaluation (they are keyed by seed, step and sample).
 */
import type { Network } from '../model/network.js';
import type { GradCheckOptions, GradParam } from './finite-difference.js';

export interface NetworkProblem {
  net: Network;
  /** n samples of input */
  x: Float32Array;
  n: number;
  /** labels for softmax-ce, targets for mse / sigmoid-ce */
  target: Int32Array | Float32Array;
  /** fixed dropout keys (train mode); without them the check runs in train mode with no dropout keys */
  keys?: { seed: number; step: number; sampleIds: Int32Array };
}

/** forward and backward of the gradient checker for the network's loss on one fixed batch. */
export function networkLoss(p: NetworkProblem): Pick<GradCheckOptions, 'forward' | 'backward'> {
  const { net, x, n, target, keys } = p;
  return {
    forward: () => {
      net.forward(x, n, 'train', keys);
      return net.loss(target, n);
    },
    backward: (dout) => {
      net.forward(x, n, 'train', keys);
      net.backward(target, n, dout[0] / n);
    },
  };
}

/** Every parameter tensor of the network as a checked parameter: its values and its gradient (views). */
export function networkParams(net: Network): GradParam[] {
  return net.layout.map((e) => ({
    name: e.name,
    value: net.params.subarray(e.offset, e.offset + e.size),
    grad: net.grads.subarray(e.offset, e.offset + e.size),
  }));
}

/** The input as a checked parameter (the network must have been built with { inputGrad: true }). */
export function inputParam(p: Pick<NetworkProblem, 'net' | 'x'>): GradParam {
  return { name: 'input', value: p.x, grad: p.net.inputGrad() };
}
