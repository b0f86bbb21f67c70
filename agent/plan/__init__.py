"""The planner: localise a task to edit sites, estimate difficulty, split the thinking budget.

Public API (used by the loop and `dial plan`): TaskInput, Plan, Site, PlannedEdit, make_plan, BudgetAllocator.
"""

from agent.plan.budget import BudgetAllocator
from agent.plan.planner import make_plan
from agent.plan.types import Plan, PlannedEdit, Site, TaskInput

__all__ = ["BudgetAllocator", "Plan", "PlannedEdit", "Site", "TaskInput", "make_plan"]
