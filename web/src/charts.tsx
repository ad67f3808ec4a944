// ECharts, tree-shaken to the chart kinds the dashboard draws, themed from the page's CSS variables.
import { useEffect, useRef } from "react";
import * as echarts from "echarts/core";
import { BarChart, GraphChart, HeatmapChart, LineChart, PieChart, TreeChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkPointComponent,
  TooltipComponent,
  VisualMapComponent,
  AriaComponent,
} from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import type { EChartsCoreOption } from "echarts/core";

echarts.use([
  BarChart, GraphChart, HeatmapChart, LineChart, PieChart, TreeChart, DataZoomComponent, GridComponent,
  LegendComponent, MarkAreaComponent, MarkPointComponent, TooltipComponent, VisualMapComponent, AriaComponent,
  SVGRenderer,
]);

export const PALETTE = ["#3b6ef5", "#14a37f", "#e8833a", "#b5459b", "#d4a017", "#5aa9e6", "#8c6bd6", "#c2410c"];

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** A chart; `label` is read by screen readers (the chart itself is a picture). */
export function Chart({ option, height = 260, label }: { option: EChartsCoreOption; height?: number; label: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const theme = document.documentElement.dataset.theme;

  useEffect(() => {
    if (!element.current) return;
    chart.current = echarts.init(element.current, undefined, { renderer: "svg" });
    const resize = new ResizeObserver(() => chart.current?.resize());
    resize.observe(element.current);
    return () => {
      resize.disconnect();
      chart.current?.dispose();
    };
  }, []);

  useEffect(() => {
    const text = cssVar("--text");
    const muted = cssVar("--muted");
    const border = cssVar("--border");
    chart.current?.setOption(
      {
        color: PALETTE,
        backgroundColor: "transparent",
        textStyle: { color: text, fontFamily: "inherit" },
        aria: { enabled: true, label: { description: label } },
        animationDuration: 300,
        tooltip: { trigger: "axis", confine: true },
        grid: { left: 56, right: 20, top: 40, bottom: 30 },
        ...option,
        legend: { type: "scroll", top: 0, itemGap: 18, textStyle: { color: muted, padding: [0, 0, 0, 4] }, pageTextStyle: { color: muted }, ...(option.legend as object) },
        xAxis: withAxisColors(option.xAxis, muted, border),
        yAxis: withAxisColors(option.yAxis, muted, border),
      },
      { notMerge: true },
    );
  }, [option, theme, label]);

  return <div ref={element} role="img" aria-label={label} style={{ width: "100%", height }} />;
}

function withAxisColors(axis: unknown, muted: string, border: string): unknown {
  if (!axis) return axis;
  const style = (one: Record<string, unknown>) => ({
    axisLabel: { color: muted, hideOverlap: true, ...(one.axisLabel as object) },
    axisLine: { lineStyle: { color: border } },
    splitLine: { lineStyle: { color: border, opacity: 0.6 } },
    ...one,
  });
  return Array.isArray(axis) ? axis.map(style) : style(axis as Record<string, unknown>);
}
