"""The decision audit read back for operators: a recipient's decisions, a shop's day,
what goes out next, and the codes in plain words."""
