"""``python -m vfx``: the ``vfx`` command."""

from vfx.cli import main

if __name__ == "__main__":
    main()
