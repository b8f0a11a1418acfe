/*
 * The wall clock at boot, read once from the PC's CMOS real-time clock (ports 0x70 and
 * 0x71, MC146818 layout) and handed to every component as an offset from capix's
 * monotonic clock. A time service that can be set comes later.
 */
#include <string.h>
#include "init.h"

static uint64_t cmos(unsigned reg)
{
    uint64_t v = 0;
    cx_io_out(CX_SLOT_IO_ALL, 0x70, 1, reg);
    cx_io_in(CX_SLOT_IO_ALL, 0x71, 1, &v);
    return v & 0xff;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned from_bcd(uint64_t v, int bcd)
{
    return bcd ? (unsigned)((v >> 4) * 10 + (v & 15)) : (unsigned)v;
}

int64_t rtc_realtime_offset_ns(void)
{
    uint64_t r[7], again[7];
    static const unsigned regs[7] = {0, 2, 4, 7, 8, 9, 0x32}; /* s m h day month year century */
    /* read until two reads agree, each outside an update cycle */
    for (int tries = 0; tries < 1000; tries++) {
        while (cmos(0x0a) & 0x80) /* update in progress */
            ;
        for (int i = 0; i < 7; i++)
            r[i] = cmos(regs[i]);
        for (int i = 0; i < 7; i++)
            again[i] = cmos(regs[i]);
        if (!memcmp(r, again, sizeof(r)))
            break;
    }
    uint64_t now = cx_clock_ns();
    uint64_t b = cmos(0x0b);
    int bcd = !(b & 4);
    unsigned hour = from_bcd(r[2] & 0x7f, bcd);
    if (!(b & 2) && (r[2] & 0x80)) /* 12-hour clock, PM */
        hour = (hour % 12) + 12;
    unsigned year = from_bcd(r[5], bcd), century = from_bcd(r[6], bcd);
    year += century >= 19 && century <= 30 ? century * 100 : 2000;
    unsigned month = from_bcd(r[4], bcd), day = from_bcd(r[3], bcd);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23)
        return 0;
    int64_t secs = days_from_civil(year, month, day) * 86400 + hour * 3600 +
                   from_bcd(r[1], bcd) * 60 + from_bcd(r[0], bcd);
    return secs * 1000000000 - (int64_t)now;
}
