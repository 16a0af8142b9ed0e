/**
 * elunet's statistics, one leaf room: the summary of a list of numbers (mean, std, median), and what decides
 * the paper's claims from paired runs (docs/reproduction.md, "How a verdict is decided"): the signed-rank
 * test, the Hodges–Lehmann interval, the verdict rule and paired timing.
 */
export { columnStats, meanStd, median } from './summary.js';
export { erfc, normalCdf } from './normal.js';
export { EXACT_MAX_N, midranks, signedRankNull, signedRankTest, type RankMethod, type SignedRankResult } from './signed-rank.js';
export { shiftInterval, signedRankCdf, sortedMedian, walshAverages, type ShiftInterval } from './hodges-lehmann.js';
export {
  ALPHA, INTERVAL_LEVEL, MIN_PAIRS, OUTCOMES, combine, fmtNum, fmtP, pairedTest, testLine, type Direction, type Outcome, type PairedTest,
} from './paired.js';
export { interleavedRounds, ratioLine, ratioTest, type RatioTest, type Rounds } from './timing.js';
