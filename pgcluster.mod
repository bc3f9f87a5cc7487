/work/main/module/main.o
/work/main/module/api.o
/work/main/module/stats.o
/work/main/module/extent.o
/work/main/module/cluster.o
/work/main/module/emergency.o
/work/main/module/inject.o
/work/main/module/report.o
