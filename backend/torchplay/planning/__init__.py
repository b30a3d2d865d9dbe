"""Planning: a job request checked and decided once, before anything runs (meta device only)."""

from torchplay.planning.dataset import DatasetPlan, plan_dataset
from torchplay.planning.job import PlannedJob, plan_job, plan_networks, plan_under
from torchplay.planning.model import LayerReport, ModelPlan, ModelReport, plan_model, warm_up_planning

__all__ = [
    "DatasetPlan",
    "LayerReport",
    "ModelPlan",
    "ModelReport",
    "PlannedJob",
    "plan_dataset",
    "plan_job",
    "plan_model",
    "plan_networks",
    "plan_under",
    "warm_up_planning",
]
