"""The queue server: persistence, REST API, live event stream and the `swq` command line."""
