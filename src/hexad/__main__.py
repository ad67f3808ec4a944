from hexad.cli.app import main

main()
