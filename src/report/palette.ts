/**
 * Fixed colours per activation, so that ELU is the same colour in every chart of every report.
 *
 * The colours are from the Okabe–Ito palette, chosen to stay distinguishable for the common forms of
 * colour blindness; ELU gets the strongest one (vermillion) because it is the paper's subject.
 * Charts may also dash a series (e.g. the "+BN" variant) to separate it from the plain one.
 */
import { hexColor, type Rgb } from './canvas.js';

export const ACTIVATION_COLORS: Readonly<Record<string, Rgb>> = {
  elu: hexColor('#D55E00'), // vermillion
  relu: hexColor('#0072B2'), // blue
  lrelu: hexColor('#009E73'), // bluish green
  srelu: hexColor('#CC79A7'), // reddish purple
  prelu: hexColor('#E69F00'), // orange
  selu: hexColor('#56B4E9'), // sky blue
  linear: hexColor('#555555'), // grey
};

/** Spelling variants of activation names accepted by colorFor (after lower-casing and removing non-letters). */
const ALIASES: Readonly<Record<string, string>> = {
  leakyrelu: 'lrelu',
  shiftedrelu: 'srelu',
  identity: 'linear',
};

/** Colours for series that are not activations, in order (the tab10 palette without its activation look-alikes). */
export const CYCLE_COLORS: readonly Rgb[] = [
  hexColor('#1f77b4'),
  hexColor('#d62728'),
  hexColor('#2ca02c'),
  hexColor('#9467bd'),
  hexColor('#8c564b'),
  hexColor('#e377c2'),
  hexColor('#7f7f7f'),
  hexColor('#bcbd22'),
  hexColor('#17becf'),
  hexColor('#ff7f0e'),
];

/**
 * The colour of a series named after an activation: 'ELU', 'elu', 'ELU+BN', 'leaky-relu (run 2)' all
 * match by their longest known prefix (so 'selu' is SELU, not ELU). Other names get CYCLE_COLORS[index].
 */
export function colorFor(name: string, index = 0): Rgb {
  const key = name.toLowerCase().replace(/[^a-z]/g, '');
  let best = '';
  const candidates = [...Object.keys(ACTIVATION_COLORS), ...Object.keys(ALIASES)];
  for (const c of candidates) if (key.startsWith(c) && c.length > best.length) best = c;
  if (best) return ACTIVATION_COLORS[ALIASES[best] ?? best];
  return CYCLE_COLORS[((index % CYCLE_COLORS.length) + CYCLE_COLORS.length) % CYCLE_COLORS.length];
}
