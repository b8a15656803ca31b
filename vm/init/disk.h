/*
 * Finding the VM's disks and mounting them.
 *
 * The host names each disk on the kernel command line either by device path
 * ("/dev/vda", which depends on the order the disks were attached in) or by
 * the virtio-blk serial it gave the disk ("serial:actiond-cas", which does
 * not). The guest never formats anything: the CAS disk must already hold
 * ext4 (the host runs mkfs.ext4 once, when it creates the image file), and a
 * disk that does not carry the filesystem its role needs is refused with a
 * message saying what was found, before anything is written to it.
 */
#ifndef ACTIOND_INIT_DISK_H
#define ACTIOND_INIT_DISK_H

#include <stddef.h>

/*
 * Resolves spec ("/dev/NAME" or "serial:ID") to a block device path in out,
 * waiting up to timeout_ms for the kernel to create it. Dies naming the
 * role ("CAS", "system", ...) and the block devices present if it never
 * appears.
 */
void resolve_disk(const char *role, const char *spec, int timeout_ms, char *out, size_t outlen);

/* Mounts device (which must hold ext2/3/4) read-write as ext4 at dir; refuses anything else. */
void mount_ext4_disk(const char *role, const char *device, const char *dir);

/* Mounts device (which must hold squashfs) read-only at dir; refuses anything else. */
void mount_squashfs_disk(const char *role, const char *device, const char *dir);

#endif
