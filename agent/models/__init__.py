"""Model providers: one small interface (agent.models.types.Model), capabilities as data, httpx providers.

Public API (other parts code against these names only):
    make_model, get_capabilities, ModelCapabilities, cost_usd, worst_case_cost, translate_budget,
    ThinkingControl, ModelError (and its subclasses), Recorder, ReplayModel, RetryPolicy.
Imports are cheap: nothing here opens a connection or reads a file until called.
"""

from __future__ import annotations

from agent.models.budget import ThinkingControl, translate_budget
from agent.models.capabilities import ModelCapabilities, cost_usd, get_capabilities, known_models, worst_case_cost
from agent.models.errors import (
    AuthError,
    BadRequestError,
    ContextTooLongError,
    ModelError,
    ModelNotFoundError,
    ProviderUnavailableError,
    ReplayError,
)
from agent.models.factory import make_model
from agent.models.http import RetryPolicy
from agent.models.record import Recorder
from agent.models.replay import ReplayModel

__all__ = [
    "AuthError",
    "BadRequestError",
    "ContextTooLongError",
    "ModelCapabilities",
    "ModelError",
    "ModelNotFoundError",
    "ProviderUnavailableError",
    "Recorder",
    "ReplayError",
    "ReplayModel",
    "RetryPolicy",
    "ThinkingControl",
    "cost_usd",
    "get_capabilities",
    "known_models",
    "make_model",
    "translate_budget",
    "worst_case_cost",
]
