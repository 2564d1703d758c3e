from pmovalue.cli import main

raise SystemExit(main())
