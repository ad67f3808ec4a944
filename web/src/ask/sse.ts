// Server-sent events from a fetch body: POST /api/v1/ask/stream cannot use EventSource (it only GETs).

/** One event as the server framed it: its `event:` name and its joined `data:` lines. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Feeds text chunks in any split and yields each complete event once its blank line arrives
 * (the format of the HTML standard: CRLF, LF or CR line ends, `:` comments, one optional space after the colon).
 */
export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let end: RegExpExecArray | null;
    const lineEnd = /\r\n|\r(?!$)|\n/g;
    let start = 0;
    while ((end = lineEnd.exec(this.buffer))) {
      const message = this.line(this.buffer.slice(start, end.index));
      if (message) out.push(message);
      start = end.index + end[0].length;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** What is left when the stream ends: a last event the server did not close with a blank line. */
  finish(): SseMessage[] {
    const rest = this.buffer ? this.push("\n") : [];
    const last = this.line("");
    return last ? [...rest, last] : rest;
  }

  private line(text: string): SseMessage | null {
    if (text === "") {
      if (!this.data.length) {
        this.event = "";
        return null;
      }
      const message = { event: this.event || "message", data: this.data.join("\n") };
      this.event = "";
      this.data = [];
      return message;
    }
    if (text.startsWith(":")) return null;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    return null;
  }
}

/** Every event of a byte stream, decoded as UTF-8 (a character split across chunks is kept whole). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.finish();
  } finally {
    reader.releaseLock();
  }
}
