import assert from "node:assert/strict";
import { test } from "node:test";

import {
  acceptValue,
  defaultValues,
  fieldFromParam,
  fieldsFromJsonSchema,
  formatFieldValue,
  parseFieldValue,
  starterValue,
} from "../../frontend/js/lib/params.js";

const outFeatures = fieldFromParam({
  name: "out_features",
  type: "integer",
  default: null,
  required: true,
  minimum: 1,
  maximum: 4096,
  enum: null,
  description: "Output units",
  inferred: false,
});
const inFeatures = fieldFromParam({ name: "in_features", type: "integer", default: null, required: true, minimum: 1, inferred: true });

test("integers are parsed and range-checked", () => {
  assert.deepEqual(parseFieldValue(outFeatures, "16"), { value: 16 });
  assert.deepEqual(parseFieldValue(outFeatures, " 8 "), { value: 8 });
  assert.deepEqual(parseFieldValue(outFeatures, "1.5"), { error: { code: "integer" } });
  assert.deepEqual(parseFieldValue(outFeatures, "0"), { error: { code: "min", vars: { min: 1 } } });
  assert.deepEqual(parseFieldValue(outFeatures, "5000"), { error: { code: "max", vars: { max: 4096 } } });
  assert.deepEqual(parseFieldValue(outFeatures, ""), { error: { code: "required" } });
});

test("inferred sizes may stay empty", () => {
  assert.deepEqual(parseFieldValue(inFeatures, ""), { value: undefined });
  assert.equal(starterValue(inFeatures), undefined);
});

test("numbers, booleans, enums, arrays and nested layers", () => {
  const p = fieldFromParam({ name: "p", type: "number", default: 0.5, minimum: 0, maximum: 1 });
  assert.deepEqual(parseFieldValue(p, "0.25"), { value: 0.25 });
  assert.deepEqual(parseFieldValue(p, "abc"), { error: { code: "number" } });
  assert.deepEqual(parseFieldValue(p, ""), { value: undefined });

  const bias = fieldFromParam({ name: "bias", type: "boolean", default: true });
  assert.deepEqual(parseFieldValue(bias, false), { value: false });

  const mode = fieldFromParam({ name: "output", type: "string", default: "last", enum: ["last", "sequence"] });
  assert.deepEqual(parseFieldValue(mode, "sequence"), { value: "sequence" });
  assert.equal(parseFieldValue(mode, "all").error.code, "enum");

  const kernel = fieldFromParam({ name: "kernel_size", type: "array", default: null, required: true });
  assert.deepEqual(parseFieldValue(kernel, "3, 3"), { value: [3, 3] });
  assert.deepEqual(parseFieldValue(kernel, "[5,5]"), { value: [5, 5] });
  assert.deepEqual(parseFieldValue(kernel, "3×3"), { value: [3, 3] });
  assert.equal(formatFieldValue(kernel, [3, 3]), "3, 3");

  const inner = fieldFromParam({ name: "layers", type: "layers", default: null, required: true });
  assert.deepEqual(parseFieldValue(inner, '[{"type": "ReLU"}]'), { value: [{ type: "ReLU" }] });
  assert.equal(parseFieldValue(inner, "[1]").error.code, "layers");
  assert.equal(parseFieldValue(inner, "[").error.code, "json");
});

test("starter values make a fresh layer valid", () => {
  assert.equal(starterValue(outFeatures), 16);
  assert.equal(starterValue(fieldFromParam({ name: "groups", type: "integer", default: null, required: true, minimum: 2 })), 2);
  assert.equal(starterValue(fieldFromParam({ name: "p", type: "number", default: 0.5 })), undefined);
});

test("pydantic JSON schemas become fields", () => {
  const schema = {
    type: "object",
    properties: {
      samples: { type: "integer", default: 500, minimum: 10, maximum: 100000, description: "Number of points", description_zh: "点数" },
      noise: { type: "number", default: 0.1, minimum: 0, title: "Noise" },
      window: { anyOf: [{ type: "integer", exclusiveMinimum: 0 }, { type: "null" }], default: null },
      shape: { $ref: "#/$defs/Shape", default: "square" },
      flag: { type: "boolean", default: false },
      label: { type: "string" },
    },
    required: ["label"],
    $defs: { Shape: { enum: ["square", "circle"], type: "string" } },
  };
  const fields = Object.fromEntries(fieldsFromJsonSchema(schema).map((field) => [field.name, field]));
  assert.equal(fields.samples.type, "integer");
  assert.equal(fields.samples.minimum, 10);
  assert.equal(fields.samples.description, "Number of points");
  assert.equal(fields.noise.description, "Noise");
  assert.equal(fields.samples.description_zh, "点数");
  assert.equal(fields.noise.description_zh, null);
  assert.equal(fields.window.type, "integer");
  assert.equal(fields.window.nullable, true);
  assert.equal(fields.window.exclusiveMinimum, 0);
  assert.deepEqual(fields.shape.enum, ["square", "circle"]);
  assert.equal(fields.shape.default, "square");
  assert.equal(fields.label.required, true);
  assert.equal(fields.samples.required, false);
  assert.deepEqual(parseFieldValue(fields.window, "0"), { error: { code: "gt", vars: { min: 0 } } });
  assert.deepEqual(defaultValues(Object.values(fields)), { samples: 500, noise: 0.1, shape: "square", flag: false });
  assert.deepEqual(fieldsFromJsonSchema(null), []);
});

test("the server's boolean exclusive_minimum makes the minimum exclusive", () => {
  const lr = fieldFromParam({ name: "lr", type: "number", default: 0.01, minimum: 0, maximum: 1e9, exclusive_minimum: true });
  assert.equal(lr.minimum, null);
  assert.equal(lr.exclusiveMinimum, 0);
  assert.deepEqual(parseFieldValue(lr, "0"), { error: { code: "gt", vars: { min: 0 } } });
  const momentum = fieldFromParam({ name: "momentum", type: "number", default: 0, minimum: 0, maximum: 1, exclusive_minimum: false });
  assert.deepEqual(parseFieldValue(momentum, "0"), { value: 0 });
});

test("a parameter named layers is a nested layer list", () => {
  assert.equal(fieldFromParam({ name: "layers", type: "string", default: null }).type, "layers");
});

test("a block starts with one inner layer", () => {
  assert.deepEqual(starterValue(fieldFromParam({ name: "layers", type: "string", default: null })), [{ type: "ReLU" }]);
});

test("unions of kinds, nullable yes/no and any JSON", () => {
  const schema = {
    properties: {
      optimizer: { oneOf: [{ $ref: "#/$defs/A" }, { $ref: "#/$defs/B" }], discriminator: { propertyName: "type" } },
      maybe: { anyOf: [{ oneOf: [{ $ref: "#/$defs/A" }, { $ref: "#/$defs/B" }] }, { type: "null" }], default: null },
      compile: { anyOf: [{ type: "boolean" }, { type: "null" }], default: null },
      extra: { type: "object", additionalProperties: true },
    },
    $defs: {
      A: { properties: { type: { const: "A" }, lr: { type: "number", exclusiveMinimum: 0 } } },
      B: { properties: { type: { const: "B" }, beta: { type: "integer" } } },
    },
  };
  const fields = Object.fromEntries(fieldsFromJsonSchema(schema).map((field) => [field.name, field]));
  assert.equal(fields.optimizer.type, "union");
  assert.deepEqual(Object.keys(fields.optimizer.variants), ["A", "B"]);
  assert.equal(fields.maybe.type, "union");
  assert.equal(fields.maybe.discriminator, "type"); // found: the property each kind fixes
  assert.equal(fields.maybe.nullable, true);
  assert.deepEqual(acceptValue(fields.optimizer, { type: "A", lr: 0.1, beta: 2 }), { type: "A", lr: 0.1 });
  assert.equal(acceptValue(fields.optimizer, { type: "A", lr: 0 }).lr, undefined);
  assert.equal(acceptValue(fields.optimizer, { type: "C" }), undefined);
  assert.equal(acceptValue(fields.optimizer, null), undefined);
  assert.equal(acceptValue(fields.maybe, null), null);

  assert.deepEqual(parseFieldValue(fields.compile, "false"), { value: false });
  assert.deepEqual(parseFieldValue(fields.compile, "true"), { value: true });
  assert.deepEqual(parseFieldValue(fields.compile, ""), { value: undefined });
  assert.deepEqual(parseFieldValue(fields.extra, '{"a": 1}'), { value: { a: 1 } });
  assert.equal(parseFieldValue(fields.extra, "{").error.code, "json");
  assert.equal(formatFieldValue(fields.extra, { a: 1 }), '{"a":1}');
});
