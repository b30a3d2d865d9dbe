// Mirrors the design (and the watched job) into the URL hash so a link reproduces
// it, and applies a hash pasted into the address bar.

import { decodeHash, encodeHash } from "../lib/url-state.js";
import { designToPlain } from "../lib/spec.js";
import { shallowEqual } from "../lib/store.js";
import { debounce } from "../ui/dom.js";

export function createUrlSync({ store, applyRequest, win = window, delay = 250 }) {
  let written = win.location.hash;

  const write = debounce(() => {
    const state = store.get();
    const hash = encodeHash({ design: designToPlain(state.design), job: state.activeJobId });
    if (hash === win.location.hash) return;
    written = hash;
    const url = `${win.location.pathname}${win.location.search}${hash}`;
    win.history.replaceState(null, "", url);
  }, delay);

  store.watch((s) => [s.design, s.activeJobId], write, { immediate: false, equals: shallowEqual });

  win.addEventListener("hashchange", () => {
    if (win.location.hash === written) return;
    written = win.location.hash;
    const { design, job } = decodeHash(win.location.hash);
    if (design) applyRequest(design);
    if (job !== store.get().activeJobId) store.update((s) => ({ ...s, activeJobId: job }));
  });

  return { flush: () => write.flush() };
}
