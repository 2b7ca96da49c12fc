"""Pure rules: no database, no Flask. Everything here is a function of its arguments."""
