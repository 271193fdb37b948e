"""The cronbridge CLI: the composition root. One module per verb; ``main`` wires them."""
