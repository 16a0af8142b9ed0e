/** Reports: PNG charts and image grids (pngjs + a 5×7 bitmap font), the charts and pictures of training runs, and the tables (src/table.ts). */
export { Canvas, hexColor, lighten, WHITE, BLACK, type Rgb, type LineStyle, type ClipRect } from './canvas.js';
export { drawText, measureText, fitText, hasGlyph, GLYPH_WIDTH, GLYPH_HEIGHT, GLYPH_ASCENT, GLYPH_ADVANCE, type TextOptions } from './font.js';
export { niceTicks, logTicks, formatTick, type Ticks } from './ticks.js';
export { ACTIVATION_COLORS, CYCLE_COLORS, colorFor } from './palette.js';
export { lineChart, multiPanel, seriesFromRuns, type Series, type LineChartOptions, type LegendPosition, type MultiPanelOptions } from './chart.js';
export { imageGrid, type ImageGridOptions } from './grid.js';
export { writeRunPlots, metricMatrix, type LabelledRun } from './run-plots.js';
export { writeRunImages } from './run-images.js';
export { markdownTable, textTable, formatMeanStd, formatPercent, type Align, type Cell, type TableOptions, type TextTableOptions } from '../table.js';
