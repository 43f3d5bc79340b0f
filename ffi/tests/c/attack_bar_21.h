/* The valid arguments of the program that `ffi/tests/attack_bar_ffi.rs` generates from
 * include/smime.h: every function is called once with valid arguments and once with each
 * pointer argument NULL. Each `mk_*` helper makes a new, valid handle from the fixtures
 * (alice's key and certificates, the test CAs, carol as a contact) or exits; the caller frees
 * it. The buffers (`B_*`) are loaded or made once by `fixtures_init`. */
#ifndef SMIME_TEST_ATTACK_BAR_21_H
#define SMIME_TEST_ATTACK_BAR_21_H

#include "msg_util.h"

#include <stdio.h>
#include <string.h>

/* An input buffer of the calls. */
typedef struct {
  unsigned char *data;
  size_t len;
} buf;

static const char *DIR;
/* alice's certificate (PEM, DER) and key; her PKCS#12 file. */
static buf B_ALICE_PEM, B_ALICE_DER, B_ALICE_KEY, B_ALICE_P12;
/* carol's certificate (PEM, a contact); a certs-only blob; an empty CRL of the root. */
static buf B_CAROL_PEM, B_CERTS_ONLY, B_CRL;
/* A plain MIME message; it signed by alice (twice: a signed layer inside a signed one),
 * encrypted to alice, signed and encrypted; a detached signature over B_CONTENT. */
static buf B_PLAIN, B_SIGNED, B_SIGNED_TWICE, B_ENCRYPTED, B_SIGNED_ENCRYPTED;
static buf B_CONTENT, B_DETACHED;
/* The 32-byte key of the keyring store, a sealed keyring, an application's key reference. */
static buf B_STORE_KEY, B_KEYRING, B_REFERENCE;
/* The path of a saved keyring file; a path to save to; alice's fingerprint. */
static char KEYRING_PATH[4096], SAVE_PATH[4096], ALICE_FINGERPRINT[65];

static smime_certificate *ALICE_CERT, *ROOT_CERT, *INTERMEDIATE_CERT;
static smime_identity *ALICE;

static buf copy_bytes(smime_bytes *bytes) {
  buf b;
  b.data = take_copy(bytes, &b.len);
  return b;
}

static buf load(const char *name) {
  buf b;
  b.data = read_file(DIR, name, &b.len);
  return b;
}

static buf text(const char *s) {
  buf b;
  b.len = strlen(s);
  b.data = malloc(b.len + 1);
  CHECK(b.data != NULL);
  memcpy(b.data, s, b.len + 1);
  return b;
}

/* A callback table with no operation: a key that can do nothing, and nothing to release. */
static const smime_key_callbacks NO_OPERATIONS = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
/* A resolver that resolves nothing. */
static const smime_key_resolver NO_RESOLVER = {NULL, NULL};

static smime_result discard(void *userdata, const uint8_t *data, size_t len) {
  (void)userdata;
  (void)data;
  (void)len;
  return SMIME_RESULT_OK;
}

/* Output that is thrown away. */
static const smime_output DISCARD = {NULL, discard};

/* Input read from a buffer. */
typedef struct {
  const buf *source;
  size_t position;
} reader;

static smime_result read_buf(void *userdata, uint8_t *buffer, size_t capacity, size_t *read_len) {
  reader *r = userdata;
  size_t n = r->source->len - r->position;
  if (n > capacity) n = capacity;
  memcpy(buffer, r->source->data + r->position, n);
  r->position += n;
  *read_len = n;
  return SMIME_RESULT_OK;
}

static smime_result seek_buf(void *userdata, int64_t offset, uint32_t whence, uint64_t *position) {
  reader *r = userdata;
  int64_t base = whence == 0 ? 0 : whence == 1 ? (int64_t)r->position : (int64_t)r->source->len;
  int64_t target = base + offset;
  if (target < 0 || target > (int64_t)r->source->len) return 1;
  r->position = (size_t)target;
  *position = (uint64_t)target;
  return SMIME_RESULT_OK;
}

static smime_certificate *mk_certificate(void) {
  smime_certificate *c = NULL;
  OK(smime_certificate_clone(ALICE_CERT, &c));
  return c;
}

static smime_identity *mk_identity(void) {
  smime_identity *id = NULL;
  OK(smime_identity_from_key_and_certificates(B_ALICE_KEY.data, B_ALICE_KEY.len,
                                              B_ALICE_PEM.data, B_ALICE_PEM.len, &id));
  return id;
}

static smime_certificate *clone_cert(const smime_certificate *c) {
  smime_certificate *copy = NULL;
  OK(smime_certificate_clone(c, &copy));
  return copy;
}

/* An identity over NO_OPERATIONS with alice's certificate (a key the application holds). */
static smime_identity *mk_callback_identity(void) {
  smime_identity *id = NULL;
  OK(smime_identity_from_callbacks(&NO_OPERATIONS, ALICE_CERT, NULL, 0, &id));
  return id;
}

static smime_bytes *mk_bytes(void) {
  smime_bytes *b = NULL;
  OK(smime_certificate_der(ALICE_CERT, &b));
  return b;
}

/* A keyring with alice's identity, the root as trust anchor, the intermediate, the root's
 * CRL and carol as a contact. */
static smime_keyring *mk_keyring(void) {
  smime_keyring *k = NULL;
  OK(smime_keyring_new(&k));
  OK(smime_keyring_import_key_and_certificates(k, B_ALICE_KEY.data, B_ALICE_KEY.len, NULL,
                                               B_ALICE_PEM.data, B_ALICE_PEM.len, NULL, NULL,
                                               NULL));
  OK(smime_keyring_add_trust_anchor(k, ROOT_CERT));
  OK(smime_keyring_add_intermediate(k, INTERMEDIATE_CERT));
  OK(smime_keyring_add_crl(k, B_CRL.data, B_CRL.len));
  OK(smime_keyring_import_certificates(k, B_CAROL_PEM.data, B_CAROL_PEM.len, NULL));
  return k;
}

static smime_contact_list *mk_contact_list(void) {
  smime_keyring *k = mk_keyring();
  smime_contact_list *l = NULL;
  OK(smime_keyring_contacts(k, &l));
  smime_keyring_free(k);
  return l;
}

/* Readiness of carol (ready) and of nobody@example.com (not ready). */
static smime_readiness *mk_readiness(void) {
  smime_keyring *k = mk_keyring();
  const char *addresses[] = {"carol@example.com", "nobody@example.com"};
  smime_readiness *r = NULL;
  OK(smime_keyring_recipient_readiness(k, addresses, 2, NULL, &r));
  smime_keyring_free(k);
  return r;
}

static smime_policy *mk_policy(void) {
  smime_policy *p = NULL;
  OK(smime_policy_new(&p));
  return p;
}

static smime_sign_options *mk_sign_options(void) {
  smime_sign_options *o = NULL;
  OK(smime_sign_options_new(&o));
  return o;
}

static smime_encrypt_options *mk_encrypt_options(void) {
  smime_encrypt_options *o = NULL;
  OK(smime_encrypt_options_new(&o));
  return o;
}

/* Options that trust the root, know the intermediate and carry one weakening setting (so
 * that a report has a weakening to name). */
static smime_verify_options *mk_verify_options(void) {
  smime_verify_options *o = NULL;
  OK(smime_verify_options_new(&o));
  OK(smime_verify_options_add_trust_anchor(o, ROOT_CERT));
  OK(smime_verify_options_add_certificate(o, INTERMEDIATE_CERT));
  smime_policy *p = mk_policy();
  OK(smime_policy_danger_pinned_certificate_is_path(p, true));
  OK(smime_verify_options_set_policy(o, p));
  smime_policy_free(p);
  return o;
}

/* The report of the message signed twice: one signer, one inner signed layer. */
static smime_verify_report *mk_verify_report(void) {
  smime_verify_options *o = mk_verify_options();
  smime_verify_report *r = NULL;
  OK(smime_verify(B_SIGNED_TWICE.data, B_SIGNED_TWICE.len, o, &r));
  smime_verify_options_free(o);
  return r;
}

static smime_decrypted *mk_decrypted(void) {
  const smime_identity *ids[] = {ALICE};
  smime_decrypted *d = NULL;
  OK(smime_decrypt(B_ENCRYPTED.data, B_ENCRYPTED.len, ids, 1, NULL, &d));
  return d;
}

/* The signed and encrypted message opened: layer 0 encrypted, layer 1 signed. */
static smime_opened *mk_opened(void) {
  const smime_identity *ids[] = {ALICE};
  smime_verify_options *o = mk_verify_options();
  smime_opened *op = NULL;
  OK(smime_open(B_SIGNED_ENCRYPTED.data, B_SIGNED_ENCRYPTED.len, ids, 1, o, &op));
  smime_verify_options_free(o);
  return op;
}

static smime_sign_stream *mk_sign_stream(void) {
  const smime_identity *ids[] = {ALICE};
  smime_sign_stream *s = NULL;
  OK(smime_sign_stream_new(ids, 1, NULL, &DISCARD, &s));
  return s;
}

static smime_encrypt_stream *mk_encrypt_stream(void) {
  const smime_certificate *rcpts[] = {ALICE_CERT};
  smime_encrypt_stream *s = NULL;
  OK(smime_encrypt_stream_new(rcpts, 1, NULL, &DISCARD, &s));
  return s;
}

/* The streams fed their whole input, ready to finish. */
static smime_sign_stream *mk_sign_stream_fed(void) {
  smime_sign_stream *s = mk_sign_stream();
  OK(smime_sign_stream_update(s, B_PLAIN.data, B_PLAIN.len));
  return s;
}

static smime_encrypt_stream *mk_encrypt_stream_fed(void) {
  smime_encrypt_stream *s = mk_encrypt_stream();
  OK(smime_encrypt_stream_update(s, B_PLAIN.data, B_PLAIN.len));
  return s;
}

static smime_verify_stream *mk_verify_stream(void) {
  smime_verify_options *o = mk_verify_options();
  smime_verify_stream *s = NULL;
  OK(smime_verify_stream_new(o, NULL, &s));
  smime_verify_options_free(o);
  return s;
}

static smime_verify_stream *mk_verify_stream_fed(void) {
  smime_verify_stream *s = mk_verify_stream();
  OK(smime_verify_stream_update(s, B_SIGNED.data, B_SIGNED.len));
  return s;
}

static void fixtures_init(const char *dir) {
  DIR = dir;
  B_ALICE_PEM = load("alice.pem");
  B_ALICE_DER = load("alice.der");
  B_ALICE_KEY = load("alice.key");
  B_ALICE_P12 = load("alice.p12");
  B_CAROL_PEM = load("carol.pem");
  B_CERTS_ONLY = load("certs-only.p7b");
  B_CRL = load("root.crl.der");
  B_CONTENT = load("content.txt");
  B_DETACHED = load("detached.p7s");
  B_REFERENCE = text("keychain-reference");
  B_STORE_KEY = text("0123456789abcdef0123456789abcdef");
  ALICE_CERT = load_cert(dir, "alice.pem");
  ROOT_CERT = load_cert(dir, "root.pem");
  INTERMEDIATE_CERT = load_cert(dir, "intermediate.pem");
  ALICE = load_identity(dir, "alice.key", "alice.pem");

  B_PLAIN = text("From: alice@example.com\r\nTo: alice@example.com\r\nSubject: null\r\n"
                 "Content-Type: text/plain\r\n\r\nhello\r\n");
  const smime_identity *ids[] = {ALICE};
  const smime_certificate *rcpts[] = {ALICE_CERT};
  smime_bytes *out = NULL;
  OK(smime_sign(B_PLAIN.data, B_PLAIN.len, ids, 1, NULL, &out));
  B_SIGNED = copy_bytes(out);
  out = NULL;
  OK(smime_sign(B_SIGNED.data, B_SIGNED.len, ids, 1, NULL, &out));
  B_SIGNED_TWICE = copy_bytes(out);
  out = NULL;
  OK(smime_encrypt(B_PLAIN.data, B_PLAIN.len, rcpts, 1, NULL, &out));
  B_ENCRYPTED = copy_bytes(out);
  out = NULL;
  OK(smime_sign_and_encrypt(B_PLAIN.data, B_PLAIN.len, ids, 1, NULL, rcpts, 1, NULL, false,
                            &out));
  B_SIGNED_ENCRYPTED = copy_bytes(out);

  smime_keyring *k = mk_keyring();
  out = NULL;
  OK(smime_keyring_to_bytes(k, B_STORE_KEY.data, B_STORE_KEY.len, &out));
  B_KEYRING = copy_bytes(out);
  snprintf(KEYRING_PATH, sizeof KEYRING_PATH, "%s/null.keyring", dir);
  snprintf(SAVE_PATH, sizeof SAVE_PATH, "%s/saved.keyring", dir);
  OK(smime_keyring_save(k, KEYRING_PATH, B_STORE_KEY.data, B_STORE_KEY.len));
  smime_keyring_free(k);
  out = NULL;
  OK(smime_certificate_fingerprint(ALICE_CERT, &out));
  CHECK(smime_bytes_len(out) == 64);
  memcpy(ALICE_FINGERPRINT, smime_bytes_str(out), 65);
  smime_bytes_free(out);
}

static void fixtures_free(void) {
  buf *all[] = {&B_ALICE_PEM, &B_ALICE_DER, &B_ALICE_KEY, &B_ALICE_P12, &B_CAROL_PEM,
                &B_CERTS_ONLY, &B_CRL, &B_PLAIN, &B_SIGNED, &B_SIGNED_TWICE, &B_ENCRYPTED,
                &B_SIGNED_ENCRYPTED, &B_CONTENT, &B_DETACHED, &B_STORE_KEY, &B_KEYRING,
                &B_REFERENCE};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]->data);
  smime_certificate_free(ALICE_CERT);
  smime_certificate_free(ROOT_CERT);
  smime_certificate_free(INTERMEDIATE_CERT);
  smime_identity_free(ALICE);
}

/* One line per call for the test to judge against the header:
 * `CALL <function> <case> <result>` with the case `valid`, the NULL parameter's name, or
 * `<name>[0]` for a NULL element of an array. A failed call must have set the last error to
 * its result, with a message. */
static void record(const char *function, const char *which, smime_result r) {
  if (r != SMIME_RESULT_OK) {
    if (smime_last_error_code() != r || smime_last_error_message()[0] == 0) {
      fprintf(stderr, "%s (%s): result %u but last error %u \"%s\"\n", function, which,
              (unsigned)r, (unsigned)smime_last_error_code(), smime_last_error_message());
      exit(1);
    }
  }
  const char *name = smime_result_name(r);
  printf("CALL %s %s %s\n", function, which, name ? name : "?");
}

/* An out-parameter of a failed call is left as it was (NULL, zero). */
#define UNTOUCHED(function, which, cond)                                                     \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      fprintf(stderr, "%s (%s): a failed call wrote an out-parameter: %s\n", function,       \
              which, #cond);                                                                 \
      exit(1);                                                                               \
    }                                                                                        \
  } while (0)

#endif
