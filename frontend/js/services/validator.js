// Debounced `POST /api/models/validate` while the design is edited. Writes
// `state.validation`: {status: "empty" | "pending" | "ok" | "invalid" | "error",
// result, errors, message}. Answers to outdated requests are dropped.

import { ApiError } from "../lib/api.js";
import { VALIDATED_SETTINGS, netsOf, validationBody } from "../lib/spec.js";
import { shallowEqual } from "../lib/store.js";
import { mapValidationErrors, mapValidationResult } from "../lib/validation.js";
import { debounce } from "../ui/dom.js";

export const NO_ERRORS = Object.freeze({ nets: Object.freeze({}), general: Object.freeze([]) });

export function createValidator({ store, api, delay = 300 }) {
  let inFlight = null;
  let lastKey = null;

  const set = (validation) => store.update((s) => ({ ...s, validation: { ...s.validation, ...validation } }));

  const run = debounce(async () => {
    const design = store.get().design;
    // The server refuses a model with an empty net outright; there is nothing to check yet.
    if (netsOf(design).some((net) => !design.nets[net].length) || !design.dataset.name) {
      inFlight?.abort();
      lastKey = null;
      set({ status: "empty", result: null, errors: NO_ERRORS, message: "" });
      return;
    }
    const body = validationBody(design);
    const key = JSON.stringify(body);
    if (key === lastKey) {
      // Edited and changed back: the answer we have (or are waiting for) still holds.
      if (!inFlight && store.get().validation.status === "pending") set({ status: store.get().validation.settled ?? "pending" });
      return;
    }
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    lastKey = key;
    const layerTypes = typesByNet(design);
    try {
      const result = await api.validate(body, controller.signal);
      if (inFlight !== controller) return;
      set({ status: "ok", settled: "ok", result: mapValidationResult(result), errors: NO_ERRORS, message: "" });
    } catch (error) {
      if (inFlight !== controller || error.kind === "aborted") return;
      if (error instanceof ApiError && error.kind === "http" && error.status < 500) {
        set({ status: "invalid", settled: "invalid", result: null, errors: mapValidationErrors(error.detail ?? error.message, layerTypes), message: "" });
      } else {
        lastKey = null; // try again on the next edit
        set({ status: "error", settled: "error", result: null, errors: NO_ERRORS, message: error.message });
      }
    } finally {
      if (inFlight === controller) inFlight = null;
    }
  }, delay);

  function schedule() {
    if (store.get().validation.status !== "pending") set({ status: "pending" });
    run();
  }

  // What the model's check depends on: its nets (and their kind), the GAN's settings, the
  // data, the job's checked choices (task, loss, …) and for the memory estimate the batch
  // size and the optimizer.
  store.watch(
    (s) => [s.design.nets, s.design.gan, netsOf(s.design), s.design.dataset, ...VALIDATED_SETTINGS.map((name) => s.design.training[name])],
    schedule,
    { equals: shallowEqual },
  );

  return {
    // Re-check now (e.g. after the server comes back).
    revalidate() {
      lastKey = null;
      schedule();
    },
    // Errors from a rejected `POST /api/jobs`, shown the same way.
    showJobErrors(detail) {
      const errors = mapValidationErrors(detail, typesByNet(store.get().design));
      if (Object.keys(errors.nets).length) {
        lastKey = null;
        set({ status: "invalid", settled: "invalid", result: null, errors, message: "" });
      }
    },
  };
}

function typesByNet(design) {
  return Object.fromEntries(netsOf(design).map((net) => [net, design.nets[net].map((layer) => layer.type)]));
}
