cmd_/work/main/pgcluster.o := ld -m elf_x86_64 -z noexecstack --no-warn-rwx-segments   -r -o /work/main/pgcluster.o @/work/main/pgcluster.mod 
