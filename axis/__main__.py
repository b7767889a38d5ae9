"""`python -m axis serve ...`: the axis on its own, without the lienthong command."""

import sys

from axis.server import main

sys.exit(main())
