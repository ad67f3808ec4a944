// Changes made in this tab (acknowledging a finding, approving a step) that other panels should show
// at once. Changes made elsewhere arrive as bus events over the live WebSocket.
import { useEffect, useRef } from "react";

export type Topic = "findings" | "workflows" | "contracts" | "queues";
const target = new EventTarget();

export function announce(topic: Topic): void {
  target.dispatchEvent(new Event(topic));
}

export function useChanges(topic: Topic, onChange: () => void): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    const listener = () => latest.current();
    target.addEventListener(topic, listener);
    return () => target.removeEventListener(topic, listener);
  }, [topic]);
}
