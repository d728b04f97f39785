"""One thin module per subcommand: parse, validate, call the core, render."""
