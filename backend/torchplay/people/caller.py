"""Who is asking, and what that lets them do with a job. The one place those rules live."""

from __future__ import annotations

from dataclasses import dataclass, field

# The holder of TORCHPLAY_TOKEN, the zero-setup loopback user, and the owner of jobs kept
# from before jobs had owners. No user may take the name.
ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    """A request's identity: a user (`name`), an admin, and the jobs share links opened for
    it (share id → job id). A share link alone gives no name: it may look, never act."""

    name: str | None
    admin: bool = False
    shares: dict[str, str] = field(default_factory=dict)
    weights: frozenset[str] = frozenset()  # jobs whose share link allows weight exports

    @classmethod
    def administrator(cls) -> Caller:
        return cls(ADMIN, admin=True)

    def owns(self, owner: str | None) -> bool:
        """Whether this caller controls a job or sweep of `owner` (None: kept from before owners)."""
        return self.admin or (self.name is not None and self.name == (owner or ADMIN))

    def sees(self, job_id: str, owner: str | None) -> bool:
        return self.owns(owner) or job_id in self.shares.values()

    def exports_weights(self, job_id: str, owner: str | None) -> bool:
        return self.owns(owner) or job_id in self.weights
