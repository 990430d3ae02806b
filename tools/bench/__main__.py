"""``python -m tools.bench`` (``make bench``): see tools/bench/report.py."""
import sys

from tools.bench.report import main

sys.exit(main())
