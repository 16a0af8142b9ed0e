/** The paper's experiments, one file each. */
export interface Experiment {
  description: string;
  run(opts: Record<string, unknown>): Promise<void>;
}

export const experiments: Record<string, Experiment> = {};
