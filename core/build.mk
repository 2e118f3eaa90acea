# core/: palmctl and palmd front ends (*_main.c) and the code they share.
lib-y += $(patsubst %.c,%.o,$(filter-out %_main.c,$(sort $(wildcard core/*.c))))
prog-y += core/palmctl core/palmd
