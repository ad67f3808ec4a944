import { describe, expect, it } from "vitest";
import { seriesOf } from "./series";
import { applyEvent, citations, missingPermission, newTurn, parseAskEvent, tableFor, type Answer, type AnswerPart } from "./turn";

const call = { tool: "client_profitability", arguments: { client_id: "CL-1" }, summary: "CL-1 margin 84%", error: null, seconds: 0.1 };
const table: AnswerPart = { kind: "table", text: "", title: "Profitability of CL-1", columns: ["month", "revenue", "margin"], rows: [["2026-01", 10, 0.5], ["2026-02", 12, 0.4], ["2026-03", 9, 0.3]], source: 1 };
const answer: Answer = { question: "q", text: "Margin fell [1].", parts: [{ kind: "text", text: "Margin fell [1].", title: "" }, table], calls: [call], mode: "offline", notes: [] };

describe("a turn built from the stream's events", () => {
  it("shows calls as they finish, grows the text, then takes the answer", () => {
    let turn = newTurn(1, "q");
    turn = applyEvent(turn, { type: "call", index: 1, ...call });
    expect(turn.calls.map((c) => c.tool)).toEqual(["client_profitability"]);
    turn = applyEvent(turn, { type: "delta", text: "Margin " });
    turn = applyEvent(turn, { type: "delta", text: "fell" });
    expect(turn.text).toBe("Margin fell");
    expect(turn.status).toBe("asking");
    turn = applyEvent(turn, { type: "answer", answer });
    expect(turn.status).toBe("done");
    expect(turn.text).toBe("Margin fell [1].");
    expect(tableFor(turn, 1)?.title).toBe("Profitability of CL-1");
    expect(tableFor(turn, 2)).toBeUndefined();
  });

  it("parses known events and ignores others", () => {
    expect(parseAskEvent({ event: "delta", data: '{"type": "delta", "text": "x"}' })).toEqual({ type: "delta", text: "x" });
    expect(parseAskEvent({ event: "x", data: '{"type": "progress"}' })).toBeNull();
    expect(parseAskEvent({ event: "x", data: "not json" })).toBeNull();
  });

  it("cuts text into runs and citations", () => {
    expect(citations("A [1] and B [12].")).toEqual(["A ", { cite: 1 }, " and B ", { cite: 12 }, "."]);
    expect(citations("no sources")).toEqual(["no sources"]);
  });

  it("reads which permission a refused call needed", () => {
    expect(missingPermission("this needs the 'spend:read' permission, which your roles lack")).toBe("spend:read");
    expect(missingPermission("timeout")).toBeNull();
  });
});

describe("seriesOf", () => {
  it("charts a monthly table on one scale (a 0-1 ratio beside money is left out)", () => {
    expect(seriesOf(table)).toEqual({ x: ["2026-01", "2026-02", "2026-03"], lines: [{ name: "revenue", values: [10, 12, 9] }] });
  });
  it("charts nothing for a table that is not a series", () => {
    expect(seriesOf({ ...table, columns: ["client_id", "revenue"], rows: [["CL-1", 1], ["CL-2", 2], ["CL-3", 3]] })).toBeNull();
    expect(seriesOf({ ...table, rows: table.rows!.slice(0, 2) })).toBeNull();
  });
});
