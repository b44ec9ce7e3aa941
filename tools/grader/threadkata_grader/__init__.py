"""threadkata's grader: grades learners' submissions safely (tools/grade; README.md here)."""
