from torchplay.cli import main

raise SystemExit(main())
