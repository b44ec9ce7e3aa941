"""One module per command: each has HELP (one line), add_arguments(parser) and run(session,
args) returning the exit status."""
