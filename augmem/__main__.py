from augmem.cli import main

main()
