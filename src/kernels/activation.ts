/**
 * The elementwise activations by name, so a model spec can say `activation: 'elu'` and a layer can switch on it.
 *
 *   name      forward                      backward (from the output y; param = α or slope)
 *   elu       x > 0 ? x : α(eˣ−1)          dy · (y > 0 ? 1 : y + α)        param α, default 1
 *   relu      max(0, x)                    dy · [y > 0]
 *   lrelu     x > 0 ? x : slope·x          dy · (y > 0 ? 1 : slope)        param slope, default 0.1
 *   srelu     max(−1, x)                   dy · [y > −1]                   (shifted ReLU)
 *   selu      λ·(x > 0 ? x : α(eˣ−1))      dy · (y > 0 ? λ : y + λα)       fixed λ, α
 *   linear    x                            dy
 *   prelu     learned slope per channel — it has weights and needs x in the backward, so the model calls
 *             preluForward / preluBackward (prelu.ts) itself; here it only has a name.
 *
 * Every forward may run in place (y === x); every backward accumulates into dx.
 */
import { ElunetError, ShapeError } from '../errors.js';
import { eluBackward, eluForward } from './elu.js';
import { identityBackward, identityForward } from './identity.js';
import { LEAKY_RELU_DEFAULT_SLOPE, leakyReluBackward, leakyReluForward } from './leaky-relu.js';
import { reluBackward, reluForward } from './relu.js';
import { seluBackward, seluForward } from './selu.js';
import { shiftedReluBackward, shiftedReluForward } from './shifted-relu.js';

export type ActivationName = 'elu' | 'relu' | 'lrelu' | 'srelu' | 'prelu' | 'selu' | 'linear';

/** Every activation name, in the order error messages and help texts list them. */
export const ACTIVATION_NAMES: readonly ActivationName[] = ['elu', 'relu', 'lrelu', 'srelu', 'prelu', 'selu', 'linear'];

/** ELU's α in every experiment of the paper. */
export const ELU_DEFAULT_ALPHA = 1;

/** Checks a user-given name (from a spec file or the command line) and narrows its type. */
export function parseActivation(name: string): ActivationName {
  const key = name.trim().toLowerCase();
  if ((ACTIVATION_NAMES as readonly string[]).includes(key)) return key as ActivationName;
  throw new ShapeError(`unknown activation '${name}'; expected one of: ${ACTIVATION_NAMES.join(', ')}`);
}

/** The parameter an activation uses when none is given: α = 1 for elu, slope 0.1 for lrelu, else NaN (unused). */
export function defaultActivationParam(name: ActivationName): number {
  switch (name) {
    case 'elu':
      return ELU_DEFAULT_ALPHA;
    case 'lrelu':
      return LEAKY_RELU_DEFAULT_SLOPE;
    case 'relu':
    case 'srelu':
    case 'prelu':
    case 'selu':
    case 'linear':
      return NaN;
    default:
      return unreachable(name);
  }
}

function preluHasWeights(where: string): never {
  throw new ElunetError(
    `${where}: 'prelu' has a learned slope per channel; call preluForward/preluBackward (kernels/prelu.ts) with its weights`,
  );
}

function unreachable(name: never): never {
  throw new ShapeError(`unknown activation '${String(name)}'; expected one of: ${ACTIVATION_NAMES.join(', ')}`);
}

/**
 * y = f(x) for the first `count` elements. May run in place (y === x).
 * param: α for elu (default 1), slope for lrelu (default 0.1); ignored by the others.
 */
export function activationForward(name: ActivationName, y: Float32Array, x: Float32Array, count: number, param?: number): void {
  switch (name) {
    case 'elu':
      return eluForward(y, x, param ?? ELU_DEFAULT_ALPHA, count);
    case 'relu':
      return reluForward(y, x, count);
    case 'lrelu':
      return leakyReluForward(y, x, param ?? LEAKY_RELU_DEFAULT_SLOPE, count);
    case 'srelu':
      return shiftedReluForward(y, x, count);
    case 'selu':
      return seluForward(y, x, count);
    case 'linear':
      return identityForward(y, x, count);
    case 'prelu':
      return preluHasWeights('activationForward');
    default:
      return unreachable(name);
  }
}

/** dx += f′ · dy for the first `count` elements, computed from the forward's output y. Accumulates. */
export function activationBackward(
  name: ActivationName,
  dx: Float32Array,
  dy: Float32Array,
  y: Float32Array,
  count: number,
  param?: number,
): void {
  switch (name) {
    case 'elu':
      return eluBackward(dx, dy, y, param ?? ELU_DEFAULT_ALPHA, count);
    case 'relu':
      return reluBackward(dx, dy, y, count);
    case 'lrelu':
      return leakyReluBackward(dx, dy, y, param ?? LEAKY_RELU_DEFAULT_SLOPE, count);
    case 'srelu':
      return shiftedReluBackward(dx, dy, y, count);
    case 'selu':
      return seluBackward(dx, dy, y, count);
    case 'linear':
      return identityBackward(dx, dy, count);
    case 'prelu':
      return preluHasWeights('activationBackward');
    default:
      return unreachable(name);
  }
}
