"""`python -m one_click.validate`: see one_click.validate.cli."""

import sys

from one_click.validate.cli import main

sys.exit(main())
