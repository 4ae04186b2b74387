"""One module per `asm` command (export and import share `transfer`); importing a module
registers its command on `asm.cli.app.cli`."""
