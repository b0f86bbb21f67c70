"""What the model can call. Imports nothing from `agent`: the index and sandbox come in through protocols."""
