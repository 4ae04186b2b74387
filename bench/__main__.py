import sys

if sys.argv[1:2] == ["scale"]:  # python -m bench scale: every named query at scale (bench/scale.py)
    from bench.scale import main as scale

    scale(args=sys.argv[2:], prog_name="python -m bench scale")
elif sys.argv[1:2] == ["frameworks"]:  # python -m bench frameworks: issue 19 (bench/frameworks/)
    from bench.frameworks import main as frameworks

    frameworks(args=sys.argv[2:], prog_name="python -m bench frameworks")
elif sys.argv[1:2] == ["startup"]:  # python -m bench startup: `import asm` and `asm --help` (bench/startup.py)
    from bench.startup import main as startup

    startup(args=sys.argv[2:], prog_name="python -m bench startup")
else:
    from bench.cli import main

    main()
