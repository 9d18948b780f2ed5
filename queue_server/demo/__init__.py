"""`swq demo`'s office file and the simulated citizens and officers (the command is
`queue_server.cli.demo`)."""
