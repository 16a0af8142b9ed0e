/** Reports: PNG charts and image grids (pngjs + a 5×7 bitmap font), Markdown and console tables. */
export { writeFileAtomic } from './atomic.js';
export { Canvas, hexColor, lighten, WHITE, BLACK, type Rgb, type LineStyle, type ClipRect } from './canvas.js';
export { drawText, measureText, fitText, hasGlyph, GLYPH_WIDTH, GLYPH_HEIGHT, GLYPH_ASCENT, GLYPH_ADVANCE, type TextOptions } from './font.js';
export { niceTicks, logTicks, formatTick, type Ticks } from './ticks.js';
export { ACTIVATION_COLORS, CYCLE_COLORS, colorFor } from './palette.js';
export { lineChart, multiPanel, seriesFromRuns, type Series, type LineChartOptions, type LegendPosition, type MultiPanelOptions } from './chart.js';
export { imageGrid, type ImageGridOptions } from './grid.js';
export { markdownTable, consoleTable, meanStd, formatMeanStd, formatPercent, type Align, type Cell, type TableOptions, type ConsoleTableOptions } from '../table.js';
