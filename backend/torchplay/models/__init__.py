"""Model specs become real `torch.nn` modules here (and are shape-checked on the way)."""

from torchplay.models.builder import LayerReport, ModelPlan, build_layer, build_model, plan_model

__all__ = ["LayerReport", "ModelPlan", "build_layer", "build_model", "plan_model"]
