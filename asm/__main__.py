"""`python -m asm`: the `asm` command line."""

from asm.cli.main import main

if __name__ == "__main__":
    main()
