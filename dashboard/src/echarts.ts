/** ECharts with only the charts and components the dashboard draws (a smaller bundle). */
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, LinesChart, ParallelChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, HeatmapChart, LineChart, LinesChart, ParallelChart, ScatterChart, GridComponent, LegendComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

/** The charts on the page, by name. */
export const charts: Record<string, echarts.ECharts> = {};

/** Draws `option` in `element` (replacing what was there) and resolves once it is fully rendered. */
export function draw(name: string, element: HTMLElement, option: echarts.EChartsCoreOption): Promise<void> {
  const chart = charts[name] ?? (charts[name] = echarts.init(element));
  const finished = new Promise<void>((resolve) => chart.on('finished', () => (chart.off('finished'), resolve())));
  chart.setOption(option, { notMerge: true });
  return finished;
}

export function disposeCharts(): void {
  for (const [name, chart] of Object.entries(charts)) {
    chart.dispose();
    delete charts[name];
  }
}

export function resizeCharts(): void {
  for (const chart of Object.values(charts)) chart.resize();
}
