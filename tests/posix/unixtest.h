/*
 * What the two files of unixtest share (unixtest.c: socketpairs, named and abstract
 * sockets, and main; unixtest_rights.c: descriptors passed with SCM_RIGHTS, and the
 * ping-pong runs; unixtest_files.c: regular files passed): the helpers they use and
 * their cases. check.h's
 * verdict is per file, so unixtest_rights_failed says whether a case there failed.
 */
#ifndef UNIXTEST_H
#define UNIXTEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Sleeps ms milliseconds, through signals. */
void nap_ms(long ms);
/* Waits for pid: its exit status, 128 + the signal that ended it, or -1. */
int wait_child(pid_t pid);
/* Fills a with the AF_UNIX address path; returns its length. */
socklen_t set_addr(struct sockaddr_un *a, const char *path);

void rights_local(void);
void rights_fork(void);
void rights_named_dgram(const char *dir);
void rights_bound_dgram(const char *dir);
void pingpong(int pipes, const char *name);
void rights_listener(const char *dir);
int rights_client_main(const char *path);
void rights_unrelated(const char *dir, const char *self);
/* 1 if a case of unixtest_rights.c failed. */
int unixtest_rights_failed(void);
/* unixtest_files.c: regular files passed, in dir (spawning self for an unrelated
 * receiver). */
void rights_files(const char *dir, const char *self);
int rights_file_client_main(const char *path);
/* 1 if a case of unixtest_files.c failed. */
int unixtest_files_failed(void);

#endif
