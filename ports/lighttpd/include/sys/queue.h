/*
 * The singly-linked tail queue of BSD's <sys/queue.h> (STAILQ_*), which musl does not
 * ship and lighttpd's HPACK code (ls-hpack) uses. Only the macros it needs.
 */
#ifndef CAPIX_PORT_SYS_QUEUE_H
#define CAPIX_PORT_SYS_QUEUE_H

#define STAILQ_HEAD(name, type)                                                            \
    struct name {                                                                          \
        struct type *stqh_first;                                                           \
        struct type **stqh_last;                                                           \
    }
#define STAILQ_ENTRY(type)                                                                 \
    struct {                                                                               \
        struct type *stqe_next;                                                            \
    }
#define STAILQ_FIRST(head) ((head)->stqh_first)
#define STAILQ_EMPTY(head) (STAILQ_FIRST(head) == 0)
#define STAILQ_NEXT(elm, field) ((elm)->field.stqe_next)
#define STAILQ_INIT(head)                                                                  \
    do {                                                                                   \
        (head)->stqh_first = 0;                                                            \
        (head)->stqh_last = &(head)->stqh_first;                                           \
    } while (0)
#define STAILQ_INSERT_TAIL(head, elm, field)                                               \
    do {                                                                                   \
        (elm)->field.stqe_next = 0;                                                        \
        *(head)->stqh_last = (elm);                                                        \
        (head)->stqh_last = &(elm)->field.stqe_next;                                       \
    } while (0)
#define STAILQ_REMOVE_HEAD(head, field)                                                    \
    do {                                                                                   \
        (head)->stqh_first = (head)->stqh_first->field.stqe_next;                          \
        if (!(head)->stqh_first)                                                           \
            (head)->stqh_last = &(head)->stqh_first;                                       \
    } while (0)
#define STAILQ_FOREACH(var, head, field)                                                   \
    for ((var) = STAILQ_FIRST(head); (var); (var) = STAILQ_NEXT(var, field))

#endif
