import { describe, expect, it } from "vitest";
import { currentState, pendingToken, stateGraph, taskRequest, visitedStates, type HistoryEvent } from "./workflow";

const definition = {
  StartAt: "Extract",
  States: {
    Extract: { Type: "Task", Next: "Approve", Catch: [{ ErrorEquals: ["Bad"], Next: "Invalid" }] },
    Approve: { Type: "Task", Resource: "hexad:events:putEvents.waitForTaskToken", Next: "Done" },
    Invalid: { Type: "Fail" },
    Done: { Type: "Succeed" },
  },
};

const event = (id: number, type: string, details: Record<string, unknown> = {}): HistoryEvent => ({ id, type, timestamp: "", details });

describe("stateGraph", () => {
  it("lays states out by distance from StartAt and keeps catch edges", () => {
    const { nodes, edges } = stateGraph(definition);
    expect(nodes.find((n) => n.name === "Extract")?.x).toBe(0);
    expect(nodes.find((n) => n.name === "Done")?.x).toBe(2);
    expect(edges).toContainEqual({ from: "Extract", to: "Invalid", label: "Bad" });
  });
});

describe("histories", () => {
  const waiting = [
    event(1, "ExecutionStarted"),
    event(2, "TaskStateEntered", { name: "Extract" }),
    event(3, "TaskStateExited", { name: "Extract" }),
    event(4, "TaskStateEntered", { name: "Approve" }),
    event(5, "TaskScheduled", { resource: "hexad:events:putEvents", parameters: JSON.stringify({ Entries: [{ Detail: { token: "tok-1", approver: "manager" } }] }) }),
    event(6, "TaskStarted", { resource: "hexad:events:putEvents" }),
    event(7, "TaskSubmitted", { resource: "hexad:events:putEvents", output: "{}" }),
  ];
  it("knows where the execution is and which token waits", () => {
    expect(visitedStates(waiting)).toEqual(["Extract", "Approve"]);
    expect(currentState(waiting)).toBe("Approve");
    expect(pendingToken(waiting)?.token).toBe("tok-1");
    expect(pendingToken(waiting)?.detail.approver).toBe("manager");
  });
  it("has no pending token once the task is answered", () => {
    expect(pendingToken([...waiting, event(8, "TaskSucceeded", {})])).toBeNull();
  });
  it("has no pending token while the task has not handed its token out", () => {
    expect(pendingToken(waiting.slice(0, 5))).toBeNull();
  });
});

describe("taskRequest", () => {
  it("finds what the task asked inside an event entry's JSON detail", () => {
    const request = { Entries: [{ DetailType: "contract.approval.requested", Detail: JSON.stringify({ token: "t-1", document_id: "doc-9" }) }] };
    expect(taskRequest(request)).toEqual({ token: "t-1", document_id: "doc-9" });
  });
  it("falls back to the parameters, or nothing", () => {
    expect(taskRequest({ approver: "finance" })).toEqual({ approver: "finance" });
    expect(taskRequest(null)).toEqual({});
    expect(taskRequest(["a"])).toEqual({});
  });
});
