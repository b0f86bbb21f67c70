"""Prompt templates (Jinja2, rendered with StrictUndefined by agent.execute.prompts)."""
