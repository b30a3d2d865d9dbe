"""People on a shared server: named users with their own tokens, what each may see and
control (`Caller`), and read-only share links to one job."""

from torchplay.people.accounts import Accounts, Share, UserError
from torchplay.people.caller import ADMIN, Caller

__all__ = ["ADMIN", "Accounts", "Caller", "Share", "UserError"]
