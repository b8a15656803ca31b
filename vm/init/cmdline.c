#include "cmdline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct known {
  const char *name;
  size_t offset;
  int required;
  int (*valid)(const char *value);
};

/* "/dev/NAME" (no "..", no empty name) or "serial:ID" with a virtio-blk serial (<= 20 bytes). */
static int valid_disk(const char *v) {
  if (strncmp(v, "/dev/", 5) == 0) return v[5] != '\0' && strstr(v, "..") == NULL;
  if (strncmp(v, "serial:", 7) == 0) {
    size_t n = strlen(v + 7);
    if (n == 0 || n > 20) return 0;
    for (const char *p = v + 7; *p; p++)
      if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.'))
        return 0;
    return 1;
  }
  return 0;
}

static int valid_port(const char *v) {
  if (*v == '\0' || strlen(v) > 5) return 0;
  for (const char *p = v; *p; p++)
    if (*p < '0' || *p > '9') return 0;
  long n = strtol(v, NULL, 10);
  return n >= 1 && n <= 65535;
}

static const struct known KNOWN[] = {
    {"actiond.cas", offsetof(struct params, cas), 1, valid_disk},
    {"actiond.system", offsetof(struct params, system), 1, valid_disk},
    {"actiond.runtimes", offsetof(struct params, runtimes), 0, valid_disk},
    {"actiond.port", offsetof(struct params, port), 0, valid_port},
};
#define NKNOWN (sizeof KNOWN / sizeof KNOWN[0])

/*
 * Copies the next whitespace-separated word of *p into word and moves *p past
 * it, dropping double quotes the way the kernel's own parser does (so
 * param="a b" is one word). Returns 0 at the end of the line, 1 for a word,
 * -1 for a word that did not fit (word then holds its first cap-1 bytes).
 */
static int next_word(const char **p, char *word, size_t cap) {
  const char *s = *p;
  while (*s == ' ' || *s == '\t' || *s == '\n') s++;
  if (*s == '\0') return 0;
  size_t n = 0;
  int quoted = 0, truncated = 0;
  for (; *s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
    if (*s == '"') {
      quoted = !quoted;
      continue;
    }
    if (n + 1 >= cap) {
      truncated = 1;
      continue;
    }
    word[n++] = *s;
  }
  word[n] = '\0';
  *p = s;
  return truncated ? -1 : 1;
}

int parse_cmdline(const char *cmdline, struct params *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  int seen[NKNOWN] = {0};
  char word[PARAM_VALUE_MAX + 64];
  const char *p = cmdline;
  for (;;) {
    int r = next_word(&p, word, sizeof word);
    if (r == 0) break;
    if (strncmp(word, "actiond.", 8) != 0) continue; /* someone else's parameter */
    if (r < 0) {
      snprintf(err, errlen, "kernel parameter starting '%.40s' is longer than %zu bytes", word,
               sizeof word - 1);
      return -1;
    }
    char *eq = strchr(word, '=');
    if (eq == NULL) {
      snprintf(err, errlen, "kernel parameter %s has no value (expected %s=VALUE)", word, word);
      return -1;
    }
    *eq = '\0';
    const char *value = eq + 1;
    size_t i = 0;
    while (i < NKNOWN && strcmp(KNOWN[i].name, word) != 0) i++;
    if (i == NKNOWN) {
      snprintf(err, errlen,
               "unknown kernel parameter %s (known: actiond.cas, actiond.system, "
               "actiond.runtimes, actiond.port)",
               word);
      return -1;
    }
    if (seen[i]) {
      snprintf(err, errlen, "kernel parameter %s is given more than once", word);
      return -1;
    }
    seen[i] = 1;
    if (strlen(value) >= PARAM_VALUE_MAX || !KNOWN[i].valid(value)) {
      snprintf(err, errlen, "kernel parameter %s has a bad value '%.*s' (%s)", word, 64, value,
               KNOWN[i].valid == valid_port ? "expected a decimal port 1..65535"
                                            : "expected /dev/NAME or serial:ID");
      return -1;
    }
    strcpy((char *)out + KNOWN[i].offset, value);
  }
  for (size_t i = 0; i < NKNOWN; i++) {
    if (KNOWN[i].required && !seen[i]) {
      snprintf(err, errlen, "required kernel parameter %s is missing", KNOWN[i].name);
      return -1;
    }
  }
  return 0;
}
