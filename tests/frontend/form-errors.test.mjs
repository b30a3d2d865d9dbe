import assert from "node:assert/strict";
import { test } from "node:test";

import { withFormError, withoutFormErrors } from "../../frontend/js/lib/form-errors.js";

test("set, clear and drop a scope of form errors", () => {
  const one = withFormError({}, "training:epochs", "At least 1");
  assert.deepEqual(one, { "training:epochs": "At least 1" });
  const two = withFormError(one, "layer3.out_features", "Required");
  assert.deepEqual(withFormError(two, "training:epochs", null), { "layer3.out_features": "Required" });
  assert.deepEqual(withoutFormErrors(two, (key) => key.startsWith("training:")), { "layer3.out_features": "Required" });
  // Nothing to drop: the same object, so watchers don't fire.
  assert.equal(withoutFormErrors(two, () => false), two);
});
