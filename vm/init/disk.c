#include "disk.h"

#include "die.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Finds the /sys/block entry whose "serial" attribute equals serial. Returns 1 if found. */
static int find_by_serial(const char *serial, char *out, size_t outlen) {
  DIR *d = opendir("/sys/block");
  if (d == NULL) DIE("opendir /sys/block");
  struct dirent *e;
  int found = 0;
  while (!found && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[300], value[64];
    snprintf(path, sizeof path, "/sys/block/%s/serial", e->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue; /* not a virtio-blk disk (loop devices have no serial) */
    ssize_t n = read(fd, value, sizeof value - 1);
    close(fd);
    if (n < 0) continue;
    value[n] = '\0';
    while (n > 0 && (value[n - 1] == '\n' || value[n - 1] == ' ')) value[--n] = '\0';
    if (strcmp(value, serial) == 0) {
      snprintf(out, outlen, "/dev/%s", e->d_name);
      found = 1;
    }
  }
  closedir(d);
  return found;
}

static int is_block_device(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISBLK(st.st_mode);
}

static int compare_names(const void *a, const void *b) {
  return strcmp((const char *)a, (const char *)b);
}

/* Lists the non-empty block devices (sorted, "vda vdb", or "none") into buf for error messages. */
static void list_block_devices(char *buf, size_t len) {
  char names[32][32];
  size_t count = 0;
  DIR *d = opendir("/sys/block");
  if (d == NULL) {
    snprintf(buf, len, "(cannot read /sys/block)");
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL && count < sizeof names / sizeof names[0]) {
    if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof names[0]) continue;
    /* Unattached loop devices have size 0: they are not disks anyone meant. */
    char path[300], size[32] = "";
    snprintf(path, sizeof path, "/sys/block/%s/size", e->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, size, sizeof size - 1);
      close(fd);
      size[n > 0 ? n : 0] = '\0';
    }
    if (strcmp(size, "0\n") == 0) continue;
    strcpy(names[count++], e->d_name);
  }
  closedir(d);
  qsort(names, count, sizeof names[0], compare_names);
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < count; i++) {
    int n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", names[i]);
    if (n < 0 || (size_t)n >= len - used) break;
    used += (size_t)n;
  }
  if (used == 0) snprintf(buf, len, "none");
}

void resolve_disk(const char *role, const char *spec, int timeout_ms, char *out, size_t outlen) {
  const int step_ms = 10;
  for (int waited = 0;; waited += step_ms) {
    if (strncmp(spec, "serial:", 7) == 0) {
      if (find_by_serial(spec + 7, out, outlen) && is_block_device(out)) return;
    } else if (is_block_device(spec)) {
      snprintf(out, outlen, "%s", spec);
      return;
    }
    if (waited >= timeout_ms) break;
    sleep_ms(step_ms);
  }
  char present[256];
  list_block_devices(present, sizeof present);
  FAIL("%s disk %s did not appear within %d ms (block devices present: %s)", role, spec,
       timeout_ms, present);
}

/* Reads len bytes at offset from device into buf; dies on error or short read. */
static void read_at(const char *role, const char *device, off_t offset, void *buf, size_t len) {
  int fd = open(device, O_RDONLY | O_CLOEXEC);
  if (fd < 0) DIE("open %s disk %s", role, device);
  ssize_t n = pread(fd, buf, len, offset);
  if (n < 0) DIE("read %s disk %s", role, device);
  close(fd);
  if ((size_t)n != len)
    FAIL("%s disk %s is too small (%zd bytes readable at offset %lld, need %zu)", role, device, n,
         (long long)offset, len);
}

static int all_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0) return 0;
  return 1;
}

void mount_ext4_disk(const char *role, const char *device, const char *dir) {
  /* The ext2/3/4 superblock starts at byte 1024; its magic 0xEF53 sits at offset 0x38 in it. */
  unsigned char sb[1024];
  read_at(role, device, 1024, sb, sizeof sb);
  uint16_t magic = (uint16_t)(sb[0x38] | (sb[0x39] << 8));
  if (magic != 0xEF53) {
    unsigned char head[4096];
    read_at(role, device, 0, head, sizeof head);
    FAIL("%s disk %s holds no ext4 filesystem (%s); the host formats a CAS image with mkfs.ext4 "
         "once, when it creates the file, and the guest never formats: refusing to use it",
         role, device,
         all_zero(head, sizeof head) ? "its first 4 KiB are all zero: an image that was created "
                                       "but never formatted"
         : memcmp(head, "hsqs", 4) == 0 ? "it holds a squashfs image: disks swapped?"
                                        : "no superblock magic 0xEF53 at byte 1080");
  }
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) DIE("mkdir %s", dir);
  if (mount(device, dir, "ext4", MS_NOATIME | MS_NODEV | MS_NOSUID, "errors=remount-ro") != 0)
    DIE("mount %s disk %s on %s as ext4", role, device, dir);
  log_line("mounted %s disk %s on %s (ext4, rw)", role, device, dir);
}

void mount_squashfs_disk(const char *role, const char *device, const char *dir) {
  unsigned char head[4];
  read_at(role, device, 0, head, sizeof head);
  if (memcmp(head, "hsqs", 4) != 0)
    FAIL("%s disk %s holds no squashfs image (no 'hsqs' magic at byte 0): refusing to mount it",
         role, device);
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) DIE("mkdir %s", dir);
  if (mount(device, dir, "squashfs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) != 0)
    DIE("mount %s disk %s on %s as squashfs", role, device, dir);
  log_line("mounted %s disk %s on %s (squashfs, ro)", role, device, dir);
}
