/** ECharts with only the charts and components the dashboard draws (a smaller bundle). */
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, LinesChart, ParallelChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, HeatmapChart, LineChart, LinesChart, ParallelChart, ScatterChart, GridComponent, LegendComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

/** The charts on the page, by name. */
export const charts: Record<string, echarts.ECharts> = {};

/** Per chart, the draws waiting for its next `finished` event (a redraw may come before it). */
const waiting = new Map<echarts.ECharts, (() => void)[]>();

function chartFor(name: string, element: HTMLElement): echarts.ECharts {
  if (charts[name]) return charts[name];
  const chart = (charts[name] = echarts.init(element));
  waiting.set(chart, []);
  chart.on('finished', () => {
    const done = waiting.get(chart)!;
    waiting.set(chart, []);
    for (const resolve of done) resolve();
  });
  return chart;
}

/** Draws `option` in `element` (replacing what was there) and resolves once it is fully rendered. */
export function draw(name: string, element: HTMLElement, option: echarts.EChartsCoreOption): Promise<void> {
  const chart = chartFor(name, element);
  const finished = new Promise<void>((resolve) => waiting.get(chart)!.push(resolve));
  chart.setOption(option, { notMerge: true });
  return finished;
}

export function disposeCharts(): void {
  for (const [name, chart] of Object.entries(charts)) {
    chart.dispose();
    waiting.delete(chart);
    delete charts[name];
  }
}

export function resizeCharts(): void {
  for (const chart of Object.values(charts)) chart.resize();
}
