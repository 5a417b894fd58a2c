"""Lambda functions, one folder each; `functions.<name>.handler` in tests."""
