/* Helpers of the message tests: loading the fixtures through the C API, reading smime_bytes
 * and checks. Each helper either succeeds or exits. */
#ifndef SMIME_TEST_MSG_UTIL_H
#define SMIME_TEST_MSG_UTIL_H

#include "check.h"

#include <stdlib.h>
#include <string.h>

/* A certificate from a PEM file of the fixture directory. */
static inline smime_certificate *load_cert(const char *dir, const char *name) {
  size_t len = 0;
  unsigned char *pem = read_file(dir, name, &len);
  smime_certificate *cert = NULL;
  OK(smime_certificate_from_pem(pem, len, &cert));
  CHECK(cert != NULL);
  free(pem);
  return cert;
}

/* An identity from a key file and a certificate file of the fixture directory. */
static inline smime_identity *load_identity(const char *dir, const char *key, const char *cert) {
  size_t key_len = 0, cert_len = 0;
  unsigned char *k = read_file(dir, key, &key_len);
  unsigned char *c = read_file(dir, cert, &cert_len);
  smime_identity *id = NULL;
  OK(smime_identity_from_key_and_certificates(k, key_len, c, cert_len, &id));
  CHECK(id != NULL);
  free(k);
  free(c);
  return id;
}

/* An identity from a PKCS#12 file of the fixture directory. */
static inline smime_identity *load_p12(const char *dir, const char *name, const char *password) {
  size_t len = 0;
  unsigned char *der = read_file(dir, name, &len);
  smime_identity *id = NULL;
  OK(smime_identity_from_pkcs12(der, len, password, &id));
  CHECK(id != NULL);
  free(der);
  return id;
}

/* Whether `bytes` holds exactly the string `s`; frees `bytes`. */
static inline int take_equals(smime_bytes *bytes, const char *s) {
  CHECK(bytes != NULL);
  int eq = smime_bytes_len(bytes) == strlen(s) && memcmp(smime_bytes_data(bytes), s, strlen(s)) == 0;
  if (!eq) fprintf(stderr, "got \"%s\", expected \"%s\"\n", smime_bytes_str(bytes), s);
  smime_bytes_free(bytes);
  return eq;
}

/* Whether `bytes` contains the string `s`; frees `bytes`. */
static inline int take_contains(smime_bytes *bytes, const char *s) {
  CHECK(bytes != NULL);
  int found = strstr(smime_bytes_str(bytes), s) != NULL;
  if (!found) fprintf(stderr, "\"%s\" does not contain \"%s\"\n", smime_bytes_str(bytes), s);
  smime_bytes_free(bytes);
  return found;
}

/* A copy of the data of `bytes` as a NUL-terminated buffer, and its length; frees `bytes`. */
static inline unsigned char *take_copy(smime_bytes *bytes, size_t *len) {
  CHECK(bytes != NULL);
  *len = smime_bytes_len(bytes);
  unsigned char *copy = malloc(*len + 1);
  CHECK(copy != NULL);
  memcpy(copy, smime_bytes_data(bytes), *len);
  copy[*len] = 0;
  smime_bytes_free(bytes);
  return copy;
}

/* The status of check `check` of signer `index`, with its code and message (freed). */
static inline uint32_t signer_check(const smime_verify_report *report, size_t index,
                                    uint32_t check, uint32_t *code, char *message,
                                    size_t message_cap) {
  uint32_t status = 99;
  smime_bytes *text = NULL;
  OK(smime_verify_report_signer_check(report, index, check, &status, code, &text));
  CHECK(text != NULL);
  snprintf(message, message_cap, "%s", smime_bytes_str(text));
  smime_bytes_free(text);
  return status;
}

/* Verdict of a report. */
static inline uint32_t verdict_of(const smime_verify_report *report) {
  uint32_t v = 999;
  OK(smime_verify_report_verdict(report, &v));
  return v;
}

#endif
