"""tools/kata, the learner's tool: one module per command (commands/), state in progress.py,
the engine (tools/threadkata) for every verdict."""
