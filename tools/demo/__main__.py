"""``python -m tools.demo`` (``make demo``): see tools/demo/local.py."""
from tools.demo.local import main

main()
