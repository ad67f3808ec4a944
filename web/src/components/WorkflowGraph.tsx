// An ASL state machine drawn as a graph: visited states filled, the current state outlined.
import { Chart } from "../charts";
import { stateGraph } from "../workflow";

export function WorkflowGraph({ definition, visited, current, label }: { definition: Record<string, unknown>; visited: string[]; current: string | null; label: string }) {
  const { nodes, edges } = stateGraph(definition);
  const rows = Math.max(1, ...nodes.map((n) => n.y + 1));
  const color = (name: string) => (name === current ? "#e8833a" : visited.includes(name) ? "#14a37f" : "#8a94a8");
  return (
    <Chart
      height={Math.max(200, rows * 60 + 80)}
      label={`${label}. Current state: ${current ?? "none"}. Visited: ${visited.join(", ") || "none"}.`}
      option={{
        tooltip: { trigger: "item", formatter: (p: { data?: { name?: string; type?: string } }) => `${p.data?.name ?? ""} (${p.data?.type ?? ""})` },
        series: [
          {
            type: "graph",
            layout: "none",
            roam: true,
            symbol: "roundRect",
            symbolSize: [128, 30],
            edgeSymbol: ["none", "arrow"],
            edgeSymbolSize: 8,
            label: { show: true, color: "#fff", fontSize: 11, overflow: "truncate", width: 112 },
            edgeLabel: { show: false, formatter: (p: { data?: { label?: string } }) => p.data?.label ?? "", fontSize: 10 },
            emphasis: { focus: "adjacency", edgeLabel: { show: true } },
            lineStyle: { color: "#8a94a8", curveness: 0.15, width: 1.5 },
            data: nodes.map((n) => ({
              name: n.name,
              type: n.type,
              x: n.x * 160,
              y: n.y * 60,
              itemStyle: { color: color(n.name), borderColor: n.name === current ? "#b45309" : undefined, borderWidth: n.name === current ? 3 : 0 },
            })),
            links: edges.map((e) => ({ source: e.from, target: e.to, label: e.label })),
          },
        ],
      }}
    />
  );
}
