import sys

from actions.cli import main

sys.exit(main())
