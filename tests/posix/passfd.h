/*
 * One descriptor passed with SCM_RIGHTS, for the test programs that pass one (socktest,
 * treetest, ttytest): a byte with the descriptor, or a receive of one.
 */
#ifndef TESTS_POSIX_PASSFD_H
#define TESTS_POSIX_PASSFD_H

#include <string.h>
#include <sys/socket.h>

/* fd >= 0: sends fd with one byte over s, 0 or -1. fd < 0: receives one, the
 * descriptor got or -1; *flags (if flags) the receive's msg_flags. */
static int pass_fd(int s, int fd, int *flags)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    char tag = 'p';
    struct iovec iov = {&tag, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.buf;
    m.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (fd >= 0) {
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
        return sendmsg(s, &m, 0) == 1 ? 0 : -1;
    }
    int got = -1;
    if (recvmsg(s, &m, 0) != 1)
        return -1;
    if (flags)
        *flags = m.msg_flags;
    c = CMSG_FIRSTHDR(&m);
    if (c && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&got, CMSG_DATA(c), sizeof got);
    return got;
}

#endif
