"""Adapters that plug veriward into RL trainers; each module imports only what its trainer needs.

- `veriward.integrations.trl`: reward functions for TRL's `GRPOTrainer` (sync, async), scored as groups.
- `veriward.integrations.verl`: `compute_score` and the grouping `compute_score_async` (verl 0.9).
- `veriward.integrations.openrlhf`: OpenRLHF 0.11's remote reward model (`/get_reward`) and `reward_func`.
- `veriward.integrations.verifiers_v1`: `@vf.reward` methods, plugged rewards and episode groups for
  `verifiers.v1`.
- `veriward.integrations.nemo_gym`: the `/seed_session` + `/verify` resources-server shape.

`unscored` is the failure contract they share (see README, "Trainer recipes"): which results carry no
verdict, so that no adapter hands them to a trainer as a 0.
"""

from veriward.integrations._contract import unscored

__all__ = ["unscored"]
