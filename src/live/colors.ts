/**
 * The page's colours per activation: the same Okabe–Ito hexes as the PNG charts (src/report/palette.ts; a
 * test keeps the two tables equal), so ELU is vermillion and ReLU blue everywhere. Kept apart from
 * palette.ts because the page cannot bundle its PNG canvas.
 */
export const ACTIVATION_HEX: Readonly<Record<string, string>> = {
  elu: '#D55E00',
  relu: '#0072B2',
  lrelu: '#009E73',
  srelu: '#CC79A7',
  prelu: '#E69F00',
  selu: '#56B4E9',
  linear: '#555555',
};

const ALIASES: Readonly<Record<string, string>> = { leakyrelu: 'lrelu', shiftedrelu: 'srelu', identity: 'linear' };

export const CYCLE_HEX: readonly string[] = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#ff7f0e'];

/** The colour of a run labelled after an activation ('elu', 'ELU+BN', 'relu (seed 2)'), by longest known prefix. */
export function hexFor(name: string, index = 0): string {
  const key = name.toLowerCase().replace(/[^a-z]/g, '');
  let best = '';
  for (const c of [...Object.keys(ACTIVATION_HEX), ...Object.keys(ALIASES)]) if (key.startsWith(c) && c.length > best.length) best = c;
  if (best) return ACTIVATION_HEX[ALIASES[best] ?? best];
  return CYCLE_HEX[((index % CYCLE_HEX.length) + CYCLE_HEX.length) % CYCLE_HEX.length];
}
