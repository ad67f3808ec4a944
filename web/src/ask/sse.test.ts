import { describe, expect, it } from "vitest";
import { readSse, SseParser } from "./sse";

describe("SseParser", () => {
  it("yields an event once its blank line arrives, however the text is split", () => {
    const text = 'event: call\ndata: {"a": 1}\n\nevent: delta\ndata: hi\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut)), ...parser.finish()];
      expect(events).toEqual([
        { event: "call", data: '{"a": 1}' },
        { event: "delta", data: "hi" },
      ]);
    }
  });

  it("joins data lines, reads CRLF and CR line ends, skips comments and defaults the name", () => {
    const parser = new SseParser();
    expect(parser.push(": keep-alive\r\ndata: one\r\ndata:two\r\rdata: x\n")).toEqual([{ event: "message", data: "one\ntwo" }]);
    expect(parser.finish()).toEqual([{ event: "message", data: "x" }]);
  });

  it("waits for the LF after a CR that ends a chunk (a CRLF split in two is one line end)", () => {
    const parser = new SseParser();
    expect(parser.push("data: a\r")).toEqual([]);
    expect(parser.push("\n\r\n")).toEqual([{ event: "message", data: "a" }]);
  });

  it("drops an event name without data", () => {
    const parser = new SseParser();
    expect(parser.push("event: ping\n\ndata: real\n\n")).toEqual([{ event: "message", data: "real" }]);
  });
});

describe("readSse", () => {
  it("decodes UTF-8 split inside a character across chunks", async () => {
    const bytes = new TextEncoder().encode("event: delta\ndata: Müller – 5 €\n\n");
    const chunks = [bytes.slice(0, 22), bytes.slice(22, 27), bytes.slice(27)];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        chunks.forEach((chunk) => controller.enqueue(chunk));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readSse(body)) events.push(event);
    expect(events).toEqual([{ event: "delta", data: "Müller – 5 €" }]);
  });
});
