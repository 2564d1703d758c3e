from pmovalue.cli import entry

entry()
