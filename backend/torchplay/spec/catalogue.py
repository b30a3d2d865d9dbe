"""Spec classes described as plain JSON for the page's palette and forms."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from torchplay.spec.catalogue_zh import LAYERS_ZH, PARAMS_ZH
from torchplay.spec.job import OPTIMIZERS, SCHEDULERS
from torchplay.spec.layers import LAYERS

_JSON_TYPES = {"integer", "number", "boolean", "string", "array"}


def describe_params(model: type[BaseModel], inferred: set[str] | None = None) -> list[dict[str, Any]]:
    """Each field as {name, type, default, required, minimum, maximum, enum, description, inferred}."""
    schema = model.model_json_schema()
    if "$ref" in schema:  # recursive models (Residual) keep their own schema under $defs
        schema = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    described = []
    for name, info in model.model_fields.items():
        if name == "type":
            continue
        described.append(_describe(name, info, props.get(name, {}), name in required, name in (inferred or set())))
    return described


def _describe(name: str, info: FieldInfo, prop: dict[str, Any], required: bool, inferred: bool) -> dict[str, Any]:
    options = prop.get("anyOf", [prop])
    kinds = [o.get("type") for o in options if o.get("type") in _JSON_TYPES]
    if "items" in prop and "$ref" in str(prop["items"]):
        kind = "layers"
    elif prop.get("enum") or any("enum" in o or "const" in o for o in options):
        kind = "string"
    else:
        kind = kinds[0] if kinds else "string"
    bounds: dict[str, Any] = next((o for o in options if o.get("type") in ("integer", "number")), {})
    enum = prop.get("enum") or next((o["enum"] for o in options if "enum" in o), None)
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        default = default.model_dump()
    return {
        "name": name,
        "type": kind,
        "default": default,
        "required": required,
        "minimum": bounds.get("minimum", bounds.get("exclusiveMinimum")),
        "maximum": bounds.get("maximum", bounds.get("exclusiveMaximum")),
        "exclusive_minimum": "exclusiveMinimum" in bounds,
        "enum": enum,
        "description": info.description or prop.get("description", ""),
        "inferred": inferred,
        "nullable": any(o.get("type") == "null" for o in options),
    }


def layer_catalogue() -> list[dict[str, Any]]:
    """Every layer type, its descriptions in English and 简体中文 (`catalogue_zh`)."""
    return [
        {
            "type": type_name,
            "category": cls.category,
            "description": cls.description,
            "description_zh": LAYERS_ZH.get(type_name),
            "params": [
                {**param, "description_zh": PARAMS_ZH.get(param["description"])}
                for param in describe_params(cls, set(cls.inferred))
            ],
        }
        for type_name, cls in LAYERS.items()
    ]


def optimizer_catalogue() -> list[dict[str, Any]]:
    return [{"type": n, "description": c.description, "params": describe_params(c)} for n, c in OPTIMIZERS.items()]


def scheduler_catalogue() -> list[dict[str, Any]]:
    return [{"type": n, "description": c.description, "params": describe_params(c)} for n, c in SCHEDULERS.items()]
