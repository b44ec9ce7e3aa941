"""threadkata's verdict engine: the one path from "a learner's file" to "a verdict", used by
the learner's tool (tools/kata) and the grader (tools/grade)."""
