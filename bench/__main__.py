import sys

if sys.argv[1:2] == ["scale"]:  # python -m bench scale: every named query at scale (bench/scale.py)
    from bench.scale import main as scale

    scale(args=sys.argv[2:], prog_name="python -m bench scale")
else:
    from bench.cli import main

    main()
