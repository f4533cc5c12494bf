"""One module per scenario; see bench/README.md."""
