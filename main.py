"""cdktf app entry point: ``python main.py [synth|validate] [--spec PATH]`` (see ``fedinfra.cli``)."""

import sys

from fedinfra.cli import main

if __name__ == "__main__":
    sys.exit(main())
