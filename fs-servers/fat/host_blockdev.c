/*
 * fat_blockdev_open for host tests and the fuzzer: labels name images registered with
 * fat_host_image (a file on the host, read and written with pread/pwrite) or
 * fat_host_memory (a buffer the caller owns). Every access is checked against the
 * image's size, so a test also proves that the plugin never reaches past its device.
 */
#define _DEFAULT_SOURCE
#include "host_blockdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_IMAGES 64

struct host_dev {
    struct fat_blockdev dev;
    char label[64];
    char path[512];
    uint8_t *mem;
    int fd;
    bool in_use;
};

static struct host_dev images[MAX_IMAGES];
unsigned fat_host_flushes, fat_host_writes, fat_host_reads;
size_t fat_host_mem_high;
unsigned fat_host_snapshot_at;
void (*fat_host_write_log)(uint64_t lba, uint32_t count, uint32_t sector_size, const void *buf);
const char *fat_host_snapshot_path;

/* Copies the image file as it is now to fat_host_snapshot_path ("the power went"). */
static void snapshot(struct host_dev *h)
{
    static char buf[65536];
    ssize_t n;
    off_t off = 0;
    int out = open(fat_host_snapshot_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0)
        abort();
    while ((n = pread(h->fd, buf, sizeof buf, off)) > 0) {
        if (write(out, buf, (size_t)n) != n)
            abort();
        off += n;
    }
    close(out);
}
bool fat_host_fail;

static struct host_dev *slot(const char *label)
{
    unsigned i;
    for (i = 0; i < MAX_IMAGES; i++)
        if (images[i].label[0] && strcmp(images[i].label, label) == 0)
            return &images[i];
    for (i = 0; i < MAX_IMAGES; i++)
        if (!images[i].label[0]) {
            snprintf(images[i].label, sizeof images[i].label, "%s", label);
            return &images[i];
        }
    return NULL;
}

static int in_range(struct host_dev *h, uint64_t lba, uint32_t count)
{
    if (fat_host_fail)
        return -EIO;
    if (lba > h->dev.sectors || count > h->dev.sectors - lba) {
        fprintf(stderr, "host_blockdev: access past the device: %llu+%u of %llu\n",
                (unsigned long long)lba, count, (unsigned long long)h->dev.sectors);
        abort();
    }
    return 0;
}

static int dev_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct host_dev *h = ctx;
    size_t len = (size_t)count * h->dev.sector_size;
    off_t off = (off_t)(lba * h->dev.sector_size);
    int rc = in_range(h, lba, count);
    if (rc < 0)
        return rc;
    fat_host_reads++;
    if (h->mem) {
        memcpy(buf, h->mem + off, len);
        return 0;
    }
    return pread(h->fd, buf, len, off) == (ssize_t)len ? 0 : -EIO;
}

static int dev_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
    struct host_dev *h = ctx;
    size_t len = (size_t)count * h->dev.sector_size;
    off_t off = (off_t)(lba * h->dev.sector_size);
    int rc = in_range(h, lba, count);
    if (rc < 0)
        return rc;
    fat_host_writes++;
    if (fat_host_write_log)
        fat_host_write_log(lba, count, (uint32_t)h->dev.sector_size, buf);
    if (!h->mem && fat_host_snapshot_path && fat_host_writes == fat_host_snapshot_at)
        snapshot(h);
    if (h->mem) {
        memcpy(h->mem + off, buf, len);
        if ((size_t)off + len > fat_host_mem_high)
            fat_host_mem_high = (size_t)off + len;
        return 0;
    }
    return pwrite(h->fd, buf, len, off) == (ssize_t)len ? 0 : -EIO;
}

static int dev_flush(void *ctx)
{
    (void)ctx;
    fat_host_flushes++;
    return fat_host_fail ? -EIO : 0;
}

/* Registers the image file path under label. */
void fat_host_image(const char *label, const char *path)
{
    struct host_dev *h = slot(label);
    if (!h)
        abort();
    snprintf(h->path, sizeof h->path, "%s", path);
    h->mem = NULL;
}

/* Registers a buffer of len bytes under label. */
void fat_host_memory(const char *label, uint8_t *mem, size_t len)
{
    struct host_dev *h = slot(label);
    if (!h)
        abort();
    h->path[0] = '\0';
    h->mem = mem;
    h->dev.sectors = len / 512;
}

int fat_blockdev_open(const struct vfs_mount_args *a, const char *label, struct fat_blockdev **out)
{
    struct host_dev *h = NULL;
    struct stat st;
    unsigned i;
    for (i = 0; i < MAX_IMAGES; i++)
        if (images[i].label[0] && strcmp(images[i].label, label) == 0)
            h = &images[i];
    if (!h || h->in_use)
        return -ENOENT;
    h->dev.ctx = h;
    h->dev.sector_size = 512;
    h->dev.read = dev_read;
    h->dev.write = dev_write;
    h->dev.flush = dev_flush;
    if (!h->mem) {
        h->fd = open(h->path, O_RDWR);
        if (h->fd < 0 || fstat(h->fd, &st) < 0)
            return -ENOENT;
        h->dev.sectors = (uint64_t)st.st_size / 512;
    }
    h->in_use = true;
    *out = &h->dev;
    return 0;
}

void fat_blockdev_close(struct fat_blockdev *dev)
{
    struct host_dev *h = dev->ctx;
    if (!h->mem)
        close(h->fd);
    h->in_use = false;
}
