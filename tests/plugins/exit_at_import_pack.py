"""A pack whose import ends the process, if it were allowed to."""

import sys

sys.exit("bye from the import of exit_at_import_pack")
