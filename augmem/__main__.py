from augmem.entry import main

main()
