/* Assertions for the C tests: print where and why, then exit 1. */
#ifndef SMIME_TEST_CHECK_H
#define SMIME_TEST_CHECK_H

#include "smime.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
      exit(1);                                                                               \
    }                                                                                        \
  } while (0)

/* `call` must return `expected`. */
#define EXPECT(call, expected)                                                               \
  do {                                                                                       \
    smime_result r_ = (call);                                                                \
    if (r_ != (smime_result)(expected)) {                                                    \
      fprintf(stderr, "%s:%d: %s returned %u (%s: %s), expected %s\n", __FILE__, __LINE__,   \
              #call, (unsigned)r_, smime_result_name(r_) ? smime_result_name(r_) : "?",      \
              smime_last_error_message(), #expected);                                        \
      exit(1);                                                                               \
    }                                                                                        \
  } while (0)

#define OK(call) EXPECT(call, SMIME_RESULT_OK)

/* Reads a whole file; exits on failure. The caller frees the buffer. */
static inline unsigned char *read_file(const char *dir, const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  size_t cap = 4096, n = 0;
  unsigned char *buf = malloc(cap);
  CHECK(buf != NULL);
  for (;;) {
    if (n == cap) {
      cap *= 2;
      unsigned char *grown = realloc(buf, cap);
      CHECK(grown != NULL);
      buf = grown;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  fclose(f);
  *len = n;
  return buf;
}

/* Writes a buffer to `dir/name`; exits on failure. */
static inline void write_file(const char *dir, const char *name, const void *data, size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  CHECK(fwrite(data, 1, len, f) == len);
  CHECK(fclose(f) == 0);
}

#endif
