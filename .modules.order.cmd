cmd_/work/main/modules.order := {   echo /work/main/pgcluster.ko; :; } > /work/main/modules.order
