from vecleak.cli.main import main

main()
