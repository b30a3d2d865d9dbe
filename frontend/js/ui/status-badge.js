import { h } from "./dom.js";

// queued · running · paused · completed · stopped · failed · interrupted
export function statusBadge(status, t) {
  return h("span", { class: `badge badge-${status}`, dataset: { status }, text: t(`status.${status}`) });
}
