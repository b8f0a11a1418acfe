/*
 * Fuzzer of the Net session's request decoder (net_request.c): the input is the words
 * of one request, any count. Nothing may crash; a request that decodes has every field
 * within the protocol's bounds, and a refused one leaves the output as it was.
 */
#include <capix/net_protocol.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t words[NET_REQUEST_WORDS + 2];
    unsigned n = (unsigned)(size / 8 > NET_REQUEST_WORDS + 2 ? NET_REQUEST_WORDS + 2 : size / 8);
    memcpy(words, data, n * 8);
    struct net_request r, before;
    memset(&r, 0xa5, sizeof r);
    before = r;
    int rc = net_request_decode(words, n, &r);
    if (rc != 0) {
        if (rc >= 0 || memcmp(&r, &before, sizeof r))
            abort();
        return 0;
    }
    if (r.op == 0 || r.op >= NET_OP_COUNT)
        abort();
    if (r.op == NET_SOCKET ? (r.arg != NET_T_STREAM && r.arg != NET_T_DGRAM &&
                              r.arg != (NET_T_STREAM | NET_T_INET6))
        : r.op == NET_INFO ? r.handle != 0
                           : (r.handle == 0 || r.handle > NET_HANDLES_MAX))
        abort();
    if (r.op == NET_LISTEN && r.arg > NET_BACKLOG_MAX)
        abort();
    if (r.op == NET_SETOPT && (r.arg == NET_OPT_RCVBUF || r.arg == NET_OPT_SNDBUF) &&
        (r.value < NET_BUF_MIN || r.value > NET_BUF_MAX))
        abort();
    if ((r.op == NET_SHUTDOWN && r.arg > 2) ||
        ((r.op == NET_NAME || r.op == NET_NAME6) && r.arg > 1))
        abort();
    return 0;
}
