/* Every error path of the message functions and their results: NULL for each pointer
 * parameter, empty and garbage input, truncated messages, the wrong key, the wrong PKCS#12
 * password, out-of-range indexes and enum values. Out-parameters are set to a sentinel first
 * and must be untouched after a failure. */
#include "smime.h"
#include "check.h"
#include "msg_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char MESSAGE[] =
    "From: alice@example.com\r\n"
    "To: bob@example.com\r\n"
    "Subject: errors\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Hello.\r\n";
#define MSG ((const uint8_t *)MESSAGE)
#define MSG_LEN (sizeof MESSAGE - 1)

/* Sentinels: a pointer no function returns, and values no accessor gives. */
#define SENTINEL ((void *)(uintptr_t)0x5e5e5e5e)
#define U32_SENTINEL 0xdeadbeefu
#define SIZE_SENTINEL ((size_t)0xdeadbeef)

/* `call` fails with `expected`, and the last error says something. */
#define FAILS(call, expected)                                                                \
  do {                                                                                       \
    EXPECT(call, expected);                                                                  \
    CHECK(smime_last_error_code() == (smime_result)(expected));                              \
    CHECK(strlen(smime_last_error_message()) > 0);                                           \
  } while (0)

#define NULLP SMIME_RESULT_NULL_PARAMETER

int main(int argc, char **argv) {
  CHECK(argc == 2);
  const char *dir = argv[1];

  /* ---- identities: the wrong password, garbage, NULL ---------------------------------- */
  size_t p12_len = 0;
  unsigned char *p12 = read_file(dir, "alice.p12", &p12_len);
  smime_identity *id = SENTINEL;
  FAILS(smime_identity_from_pkcs12(p12, p12_len, "wrong-password", &id),
        SMIME_RESULT_PKCS12_WRONG_PASSWORD);
  CHECK(id == SENTINEL);
  FAILS(smime_identity_from_pkcs12(p12, p12_len / 2, "alice-password", &id),
        SMIME_RESULT_PKCS12_MALFORMED);
  CHECK(id == SENTINEL);
  free(p12);

  smime_identity *alice = load_p12(dir, "alice.p12", "alice-password");
  smime_identity *bob = load_identity(dir, "bob.key", "bob.pem");
  smime_identity *dave = load_identity(dir, "dave.key", "dave.pem");
  smime_certificate *bob_cert = load_cert(dir, "bob.pem");
  smime_certificate *root = load_cert(dir, "root.pem");
  smime_certificate *alice_cert = NULL;
  OK(smime_identity_certificate(alice, &alice_cert));
  const smime_identity *signers[] = {alice};
  const smime_certificate *recipients[] = {bob_cert};
  const smime_identity *as_bob[] = {bob};
  const smime_identity *as_dave[] = {dave};
  const smime_identity *null_ids[] = {NULL};
  const smime_certificate *null_certs[] = {NULL};

  /* ---- options handles ----------------------------------------------------------------- */
  FAILS(smime_sign_options_new(NULL), NULLP);
  FAILS(smime_encrypt_options_new(NULL), NULLP);
  FAILS(smime_verify_options_new(NULL), NULLP);
  smime_sign_options_free(NULL);
  smime_encrypt_options_free(NULL);
  smime_verify_options_free(NULL);

  smime_sign_options *so = NULL;
  OK(smime_sign_options_new(&so));
  FAILS(smime_sign_options_set_digest(NULL, SMIME_DIGEST_SHA256), NULLP);
  FAILS(smime_sign_options_set_digest(so, 77), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_sign_options_set_opaque(NULL, true), NULLP);
  FAILS(smime_sign_options_set_pss(NULL, true), NULLP);
  FAILS(smime_sign_options_set_include_chain(NULL, true), NULLP);
  FAILS(smime_sign_options_set_signing_time(NULL, 0), NULLP);
  FAILS(smime_sign_options_set_signing_time(so, UINT64_MAX), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_sign_options_set_signing_time_now(NULL), NULLP);

  smime_encrypt_options *eo = NULL;
  OK(smime_encrypt_options_new(&eo));
  FAILS(smime_encrypt_options_set_cipher(NULL, SMIME_CIPHER_AES256_GCM), NULLP);
  FAILS(smime_encrypt_options_set_cipher(eo, SMIME_CIPHER_DES_EDE3_CBC),
        SMIME_RESULT_INVALID_ARGUMENT);
  CHECK(strstr(smime_last_error_message(), "read only") != NULL);
  FAILS(smime_encrypt_options_set_cipher(eo, SMIME_CIPHER_AES192_CBC),
        SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_encrypt_options_set_cipher(eo, 1000), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_encrypt_options_set_key_transport(NULL, 0), NULLP);
  FAILS(smime_encrypt_options_set_key_transport(eo, 9), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_encrypt_options_set_sender(NULL, alice_cert), NULLP);
  FAILS(smime_encrypt_options_add_trust_anchor(NULL, root), NULLP);
  FAILS(smime_encrypt_options_add_trust_anchor(eo, NULL), NULLP);
  FAILS(smime_encrypt_options_add_certificate(NULL, root), NULLP);
  FAILS(smime_encrypt_options_add_certificate(eo, NULL), NULLP);
  FAILS(smime_encrypt_options_add_crl(NULL, MSG, 1), NULLP);
  FAILS(smime_encrypt_options_add_crl(eo, NULL, 4), NULLP);
  FAILS(smime_encrypt_options_set_policy(NULL, NULL), NULLP);
  FAILS(smime_encrypt_options_set_policy(eo, NULL), NULLP);

  smime_verify_options *vo = NULL;
  OK(smime_verify_options_new(&vo));
  FAILS(smime_verify_options_add_trust_anchor(NULL, root), NULLP);
  FAILS(smime_verify_options_add_trust_anchor(vo, NULL), NULLP);
  FAILS(smime_verify_options_add_certificate(NULL, root), NULLP);
  FAILS(smime_verify_options_add_certificate(vo, NULL), NULLP);
  FAILS(smime_verify_options_add_crl(NULL, MSG, 1), NULLP);
  FAILS(smime_verify_options_add_crl(vo, NULL, 4), NULLP);
  FAILS(smime_verify_options_set_address_from_header(NULL), NULLP);
  FAILS(smime_verify_options_set_address(NULL, "a@example.com"), NULLP);
  FAILS(smime_verify_options_set_address(vo, NULL), NULLP);
  const char bad_utf8[] = {'a', (char)0xff, '@', 'x', 0};
  FAILS(smime_verify_options_set_address(vo, bad_utf8), SMIME_RESULT_INVALID_UTF8);
  FAILS(smime_verify_options_set_policy(NULL, NULL), NULLP);
  FAILS(smime_verify_options_set_policy(vo, NULL), NULLP);
  OK(smime_verify_options_add_trust_anchor(vo, root));

  /* ---- sign ------------------------------------------------------------------------------- */
  smime_bytes *out = SENTINEL;
  FAILS(smime_sign(NULL, 5, signers, 1, NULL, &out), NULLP);
  FAILS(smime_sign(MSG, MSG_LEN, NULL, 1, NULL, &out), NULLP);
  FAILS(smime_sign(MSG, MSG_LEN, null_ids, 1, NULL, &out), NULLP);
  FAILS(smime_sign(MSG, MSG_LEN, signers, 1, NULL, NULL), NULLP);
  FAILS(smime_sign(MSG, MSG_LEN, NULL, 0, NULL, &out), SMIME_RESULT_SIGN_NO_SIGNER);
  FAILS(smime_sign(NULL, 0, signers, 1, NULL, &out), SMIME_RESULT_PARSE_EMPTY);
  const uint8_t eight_bit[] = "Content-Type: text/plain\r\n\r\ncaf\xc3\xa9\r\n";
  FAILS(smime_sign(eight_bit, sizeof eight_bit - 1, signers, 1, NULL, &out),
        SMIME_RESULT_SIGN_EIGHT_BIT_CONTENT);
  OK(smime_sign_options_set_digest(so, SMIME_DIGEST_SHA1));
  FAILS(smime_sign(MSG, MSG_LEN, signers, 1, so, &out), SMIME_RESULT_SIGN_UNSUPPORTED_ALGORITHM);
  OK(smime_sign_options_set_digest(so, SMIME_DIGEST_SHA256));
  OK(smime_sign_options_set_pss(so, true));
  const smime_identity *bob_signs[] = {bob};
  FAILS(smime_sign(MSG, MSG_LEN, bob_signs, 1, so, &out), SMIME_RESULT_SIGN_UNSUPPORTED_ALGORITHM);
  CHECK(strstr(smime_last_error_message(), "RSA") != NULL);
  CHECK(out == SENTINEL);

  /* ---- encrypt and sign_and_encrypt -------------------------------------------------------- */
  FAILS(smime_encrypt(NULL, 5, recipients, 1, NULL, &out), NULLP);
  FAILS(smime_encrypt(MSG, MSG_LEN, NULL, 1, NULL, &out), NULLP);
  FAILS(smime_encrypt(MSG, MSG_LEN, null_certs, 1, NULL, &out), NULLP);
  FAILS(smime_encrypt(MSG, MSG_LEN, recipients, 1, NULL, NULL), NULLP);
  FAILS(smime_encrypt(MSG, MSG_LEN, NULL, 0, NULL, &out), SMIME_RESULT_ENCRYPT_NO_RECIPIENTS);
  FAILS(smime_encrypt(NULL, 0, recipients, 1, NULL, &out), SMIME_RESULT_PARSE_EMPTY);
  /* A CA certificate cannot receive mail; the error names it. */
  const smime_certificate *to_root[] = {root};
  FAILS(smime_encrypt(MSG, MSG_LEN, to_root, 1, NULL, &out),
        SMIME_RESULT_ENCRYPT_RECIPIENT_REFUSED);
  CHECK(strstr(smime_last_error_message(), "Root") != NULL);
  /* With a trust anchor the recipient does not chain to (the intermediate is missing). */
  smime_certificate *carol = load_cert(dir, "carol.pem");
  OK(smime_encrypt_options_add_trust_anchor(eo, carol));
  FAILS(smime_encrypt(MSG, MSG_LEN, recipients, 1, eo, &out),
        SMIME_RESULT_ENCRYPT_RECIPIENT_REFUSED);
  CHECK(strstr(smime_last_error_message(), "bob@example.com") != NULL);
  smime_encrypt_options_free(eo);
  smime_certificate_free(carol);

  FAILS(smime_sign_and_encrypt(NULL, 5, signers, 1, NULL, recipients, 1, NULL, false, &out),
        NULLP);
  FAILS(smime_sign_and_encrypt(MSG, MSG_LEN, NULL, 1, NULL, recipients, 1, NULL, false, &out),
        NULLP);
  FAILS(smime_sign_and_encrypt(MSG, MSG_LEN, signers, 1, NULL, NULL, 1, NULL, false, &out),
        NULLP);
  FAILS(smime_sign_and_encrypt(MSG, MSG_LEN, signers, 1, NULL, recipients, 1, NULL, false, NULL),
        NULLP);
  FAILS(smime_sign_and_encrypt(MSG, MSG_LEN, NULL, 0, NULL, recipients, 1, NULL, true, &out),
        SMIME_RESULT_SIGN_NO_SIGNER);
  FAILS(smime_sign_and_encrypt(MSG, MSG_LEN, signers, 1, NULL, NULL, 0, NULL, true, &out),
        SMIME_RESULT_ENCRYPT_NO_RECIPIENTS);
  CHECK(out == SENTINEL);

  /* Good messages to break. */
  smime_bytes *signed_msg = NULL, *sealed = NULL;
  OK(smime_sign(MSG, MSG_LEN, signers, 1, NULL, &signed_msg));
  OK(smime_encrypt(MSG, MSG_LEN, recipients, 1, NULL, &sealed));
  const uint8_t *sg = smime_bytes_data(signed_msg);
  size_t sg_len = smime_bytes_len(signed_msg);
  const uint8_t *se = smime_bytes_data(sealed);
  size_t se_len = smime_bytes_len(sealed);
  const uint8_t garbage[] = {0x30, 0x82, 0x7f, 0xff, 0x06, 0x09, 0x2a, 0x86, 0x48};

  /* ---- decrypt -------------------------------------------------------------------------- */
  smime_decrypted *dec = SENTINEL;
  FAILS(smime_decrypt(NULL, 5, as_bob, 1, NULL, &dec), NULLP);
  FAILS(smime_decrypt(se, se_len, NULL, 1, NULL, &dec), NULLP);
  FAILS(smime_decrypt(se, se_len, null_ids, 1, NULL, &dec), NULLP);
  FAILS(smime_decrypt(se, se_len, as_bob, 1, NULL, NULL), NULLP);
  FAILS(smime_decrypt(se, se_len, NULL, 0, NULL, &dec), SMIME_RESULT_DECRYPT_NO_KEYS);
  FAILS(smime_decrypt(NULL, 0, as_bob, 1, NULL, &dec), SMIME_RESULT_PARSE_EMPTY);
  /* The wrong key, a truncated message, a signed (not encrypted) message, garbage. */
  FAILS(smime_decrypt(se, se_len, as_dave, 1, NULL, &dec), SMIME_RESULT_DECRYPT_CANNOT_DECRYPT);
  CHECK(smime_decrypt(se, se_len / 2, as_bob, 1, NULL, &dec) != SMIME_RESULT_OK);
  CHECK(smime_decrypt(se, se_len - 80, as_bob, 1, NULL, &dec) != SMIME_RESULT_OK);
  FAILS(smime_decrypt(sg, sg_len, as_bob, 1, NULL, &dec), SMIME_RESULT_DECRYPT_NOT_ENCRYPTED);
  CHECK(smime_decrypt(garbage, sizeof garbage, as_bob, 1, NULL, &dec) != SMIME_RESULT_OK);
  CHECK(smime_decrypt(MSG, MSG_LEN, as_bob, 1, NULL, &dec) == SMIME_RESULT_DECRYPT_NOT_ENCRYPTED);
  /* One flipped byte inside the base64 of the ciphertext: the GCM tag fails, no plaintext. */
  unsigned char *flipped = malloc(se_len);
  CHECK(flipped != NULL);
  memcpy(flipped, se, se_len);
  size_t at = se_len - 200;
  flipped[at] = flipped[at] == 'A' ? 'B' : 'A';
  CHECK(smime_decrypt(flipped, se_len, as_bob, 1, NULL, &dec) != SMIME_RESULT_OK);
  free(flipped);
  CHECK(dec == SENTINEL);

  /* ---- verify ----------------------------------------------------------------------------- */
  smime_verify_report *rep = SENTINEL;
  FAILS(smime_verify(NULL, 5, vo, &rep), NULLP);
  FAILS(smime_verify(sg, sg_len, vo, NULL), NULLP);
  FAILS(smime_verify(NULL, 0, vo, &rep), SMIME_RESULT_PARSE_EMPTY);
  CHECK(smime_verify(garbage, sizeof garbage, vo, &rep) != SMIME_RESULT_OK);
  CHECK(smime_verify(sg, sg_len / 2, vo, &rep) != SMIME_RESULT_OK);
  FAILS(smime_verify_detached(NULL, 5, sg, sg_len, vo, &rep), NULLP);
  FAILS(smime_verify_detached(MSG, MSG_LEN, NULL, 5, vo, &rep), NULLP);
  FAILS(smime_verify_detached(MSG, MSG_LEN, sg, sg_len, vo, NULL), NULLP);
  /* A whole MIME message is no detached signature. */
  FAILS(smime_verify_detached(MSG, MSG_LEN, sg, sg_len, vo, &rep), SMIME_RESULT_PARSE_NOT_SMIME);
  CHECK(smime_verify_detached(MSG, MSG_LEN, garbage, sizeof garbage, vo, &rep) !=
        SMIME_RESULT_OK);
  FAILS(smime_verify_detached(MSG, MSG_LEN, NULL, 0, vo, &rep), SMIME_RESULT_PARSE_NOT_SMIME);
  CHECK(rep == SENTINEL);
  /* A plain message is not an error: it is not signed. */
  OK(smime_verify(MSG, MSG_LEN, NULL, &rep));
  CHECK(verdict_of(rep) == SMIME_VERDICT_NOT_SIGNED);
  smime_verify_report_free(rep);
  rep = SENTINEL;

  /* ---- open -------------------------------------------------------------------------------- */
  smime_opened *op = SENTINEL;
  FAILS(smime_open(NULL, 5, as_bob, 1, vo, &op), NULLP);
  FAILS(smime_open(se, se_len, NULL, 1, vo, &op), NULLP);
  FAILS(smime_open(se, se_len, as_bob, 1, vo, NULL), NULLP);
  FAILS(smime_open(NULL, 0, as_bob, 1, vo, &op), SMIME_RESULT_PARSE_EMPTY);
  FAILS(smime_open(se, se_len, as_dave, 1, vo, &op), SMIME_RESULT_DECRYPT_CANNOT_DECRYPT);
  FAILS(smime_open(se, se_len, NULL, 0, vo, &op), SMIME_RESULT_DECRYPT_NO_KEYS);
  CHECK(smime_open(se, se_len / 2, as_bob, 1, vo, &op) != SMIME_RESULT_OK);
  CHECK(op == SENTINEL);

  /* ---- keyring operations ---------------------------------------------------------------- */
  smime_keyring *ring = NULL;
  OK(smime_keyring_new(&ring));
  FAILS(smime_keyring_verify(NULL, sg, sg_len, NULL, &rep), NULLP);
  FAILS(smime_keyring_verify(ring, NULL, 5, NULL, &rep), NULLP);
  FAILS(smime_keyring_verify(ring, sg, sg_len, NULL, NULL), NULLP);
  FAILS(smime_keyring_verify(ring, NULL, 0, NULL, &rep), SMIME_RESULT_PARSE_EMPTY);
  FAILS(smime_keyring_decrypt(NULL, se, se_len, NULL, &dec), NULLP);
  FAILS(smime_keyring_decrypt(ring, NULL, 5, NULL, &dec), NULLP);
  FAILS(smime_keyring_decrypt(ring, se, se_len, NULL, NULL), NULLP);
  /* An empty keyring has no keys. */
  FAILS(smime_keyring_decrypt(ring, se, se_len, NULL, &dec), SMIME_RESULT_DECRYPT_NO_KEYS);
  FAILS(smime_keyring_open(NULL, se, se_len, NULL, &op), NULLP);
  FAILS(smime_keyring_open(ring, NULL, 5, NULL, &op), NULLP);
  FAILS(smime_keyring_open(ring, se, se_len, NULL, NULL), NULLP);
  FAILS(smime_keyring_open(ring, se, se_len, NULL, &op), SMIME_RESULT_DECRYPT_NO_KEYS);
  CHECK(rep == SENTINEL && dec == SENTINEL && op == SENTINEL);
  smime_keyring_free(ring);

  /* ---- inspect ---------------------------------------------------------------------------- */
  uint32_t kind = U32_SENTINEL;
  smime_bytes *description = SENTINEL;
  FAILS(smime_inspect(NULL, 5, &kind, &description), NULLP);
  FAILS(smime_inspect(sg, sg_len, NULL, &description), NULLP);
  FAILS(smime_inspect(sg, sg_len, &kind, NULL), NULLP);
  FAILS(smime_inspect(NULL, 0, &kind, &description), SMIME_RESULT_PARSE_EMPTY);
  CHECK(smime_inspect(garbage, sizeof garbage, &kind, &description) != SMIME_RESULT_OK);
  const uint8_t pem_junk[] = "-----BEGIN NONSENSE-----\nAAAA\n-----END NONSENSE-----\n";
  FAILS(smime_inspect(pem_junk, sizeof pem_junk - 1, &kind, &description),
        SMIME_RESULT_PARSE_NOT_SMIME);
  CHECK(kind == U32_SENTINEL && description == SENTINEL);

  /* ---- report accessors ------------------------------------------------------------------- */
  OK(smime_verify(sg, sg_len, vo, &rep));
  uint32_t u = U32_SENTINEL;
  size_t n = SIZE_SENTINEL;
  bool b = true;
  int64_t i64 = 42;
  smime_bytes *bytes = SENTINEL;
  smime_certificate *cert = SENTINEL;
  smime_verify_report *inner = SENTINEL;
  FAILS(smime_verify_report_verdict(NULL, &u), NULLP);
  FAILS(smime_verify_report_verdict(rep, NULL), NULLP);
  FAILS(smime_verify_report_verdict_text(NULL, &bytes), NULLP);
  FAILS(smime_verify_report_verdict_text(rep, NULL), NULLP);
  FAILS(smime_verify_report_is_trusted(NULL, &b), NULLP);
  FAILS(smime_verify_report_is_trusted(rep, NULL), NULLP);
  FAILS(smime_verify_report_scope(NULL, &u), NULLP);
  FAILS(smime_verify_report_scope(rep, NULL), NULLP);
  FAILS(smime_verify_report_kind(NULL, &u), NULLP);
  FAILS(smime_verify_report_kind(rep, NULL), NULLP);
  FAILS(smime_verify_report_content(NULL, &bytes), NULLP);
  FAILS(smime_verify_report_content(rep, NULL), NULLP);
  FAILS(smime_verify_report_encrypted(NULL, &b), NULLP);
  FAILS(smime_verify_report_encrypted(rep, NULL), NULLP);
  FAILS(smime_verify_report_weakened_by_count(NULL, &n), NULLP);
  FAILS(smime_verify_report_weakened_by_count(rep, NULL), NULLP);
  FAILS(smime_verify_report_weakened_by(NULL, 0, &bytes), NULLP);
  FAILS(smime_verify_report_weakened_by(rep, 0, NULL), NULLP);
  FAILS(smime_verify_report_weakened_by(rep, 0, &bytes), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_verify_report_address_count(NULL, &n), NULLP);
  FAILS(smime_verify_report_address_count(rep, NULL), NULLP);
  FAILS(smime_verify_report_address(NULL, 0, &bytes), NULLP);
  FAILS(smime_verify_report_address(rep, 0, NULL), NULLP);
  FAILS(smime_verify_report_address(rep, 1, &bytes), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_verify_report_certificate_count(NULL, &n), NULLP);
  FAILS(smime_verify_report_certificate_count(rep, NULL), NULLP);
  FAILS(smime_verify_report_certificate(NULL, 0, &cert), NULLP);
  FAILS(smime_verify_report_certificate(rep, 0, NULL), NULLP);
  FAILS(smime_verify_report_certificate(rep, 99, &cert), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_verify_report_inner_count(NULL, &n), NULLP);
  FAILS(smime_verify_report_inner_count(rep, NULL), NULLP);
  FAILS(smime_verify_report_inner(NULL, 0, &inner), NULLP);
  FAILS(smime_verify_report_inner(rep, 0, &inner), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_verify_report_inner(rep, 0, NULL), NULLP);
  /* A NULL out-parameter is reported before an index out of range. */
  FAILS(smime_verify_report_signer_id(rep, 7, NULL), NULLP);
  FAILS(smime_verify_report_certificate(rep, 99, NULL), NULLP);
  FAILS(smime_verify_report_signer_count(NULL, &n), NULLP);
  FAILS(smime_verify_report_signer_count(rep, NULL), NULLP);
  FAILS(smime_verify_report_signer_passed(NULL, 0, &b), NULLP);
  FAILS(smime_verify_report_signer_passed(rep, 0, NULL), NULLP);
  FAILS(smime_verify_report_signer_passed(rep, 1, &b), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_verify_report_signer_check(NULL, 0, SMIME_CHECK_CHAIN, &u, &u, &bytes), NULLP);
  FAILS(smime_verify_report_signer_check(rep, 0, SMIME_CHECK_CHAIN, NULL, &u, &bytes), NULLP);
  FAILS(smime_verify_report_signer_check(rep, 0, 8, &u, &u, &bytes),
        SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_verify_report_signer_check(rep, 1, SMIME_CHECK_CHAIN, &u, &u, &bytes),
        SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_verify_report_signer_certificate(NULL, 0, &cert), NULLP);
  FAILS(smime_verify_report_signer_certificate(rep, 0, NULL), NULLP);
  FAILS(smime_verify_report_signer_certificate(rep, 1, &cert), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_verify_report_signer_address_count(NULL, 0, &n), NULLP);
  FAILS(smime_verify_report_signer_address_count(rep, 0, NULL), NULLP);
  FAILS(smime_verify_report_signer_address(NULL, 0, 0, &bytes), NULLP);
  FAILS(smime_verify_report_signer_address(rep, 0, 0, NULL), NULLP);
  FAILS(smime_verify_report_signer_address(rep, 0, 5, &bytes), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_verify_report_signer_signing_time(NULL, 0, &b, &i64), NULLP);
  FAILS(smime_verify_report_signer_signing_time(rep, 0, NULL, &i64), NULLP);
  FAILS(smime_verify_report_signer_signing_time(rep, 0, &b, NULL), NULLP);
  FAILS(smime_verify_report_signer_signing_time_in_future(NULL, 0, &b), NULLP);
  FAILS(smime_verify_report_signer_signing_time_in_future(rep, 0, NULL), NULLP);
  FAILS(smime_verify_report_signer_digest_algorithm(NULL, 0, &bytes), NULLP);
  FAILS(smime_verify_report_signer_digest_algorithm(rep, 0, NULL), NULLP);
  FAILS(smime_verify_report_signer_signature_algorithm(NULL, 0, &bytes), NULLP);
  FAILS(smime_verify_report_signer_signature_algorithm(rep, 0, NULL), NULLP);
  FAILS(smime_verify_report_signer_signature_failure(NULL, 0, &u), NULLP);
  FAILS(smime_verify_report_signer_signature_failure(rep, 0, NULL), NULLP);
  FAILS(smime_verify_report_signer_signature_failure(rep, 1, &u), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_verify_report_signer_id(NULL, 0, &bytes), NULLP);
  FAILS(smime_verify_report_signer_id(rep, 0, NULL), NULLP);
  CHECK(u == U32_SENTINEL && n == SIZE_SENTINEL && b && i64 == 42);
  CHECK(bytes == SENTINEL && cert == SENTINEL && inner == SENTINEL);
  smime_verify_report_free(rep);
  smime_verify_report_free(NULL);

  /* ---- decrypted accessors ---------------------------------------------------------------- */
  OK(smime_decrypt(se, se_len, as_bob, 1, NULL, &dec));
  FAILS(smime_decrypted_content(NULL, &bytes), NULLP);
  FAILS(smime_decrypted_content(dec, NULL), NULLP);
  FAILS(smime_decrypted_certificate(NULL, &cert), NULLP);
  FAILS(smime_decrypted_certificate(dec, NULL), NULLP);
  FAILS(smime_decrypted_fingerprint(NULL, &bytes), NULLP);
  FAILS(smime_decrypted_fingerprint(dec, NULL), NULLP);
  FAILS(smime_decrypted_key_index(NULL, &n), NULLP);
  FAILS(smime_decrypted_key_index(dec, NULL), NULLP);
  FAILS(smime_decrypted_cipher(NULL, &u), NULLP);
  FAILS(smime_decrypted_cipher(dec, NULL), NULLP);
  FAILS(smime_decrypted_integrity_protected(NULL, &b), NULLP);
  FAILS(smime_decrypted_integrity_protected(dec, NULL), NULLP);
  CHECK(u == U32_SENTINEL && n == SIZE_SENTINEL && b);
  CHECK(bytes == SENTINEL && cert == SENTINEL);
  smime_decrypted_free(dec);
  smime_decrypted_free(NULL);

  /* ---- opened accessors ------------------------------------------------------------------- */
  OK(smime_open(se, se_len, as_bob, 1, vo, &op));
  FAILS(smime_opened_layer_count(NULL, &n), NULLP);
  FAILS(smime_opened_layer_count(op, NULL), NULLP);
  FAILS(smime_opened_layer_kind(NULL, 0, &u), NULLP);
  FAILS(smime_opened_layer_kind(op, 0, NULL), NULLP);
  FAILS(smime_opened_layer_kind(op, 1, &u), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_opened_layer_report(NULL, 0, &inner), NULLP);
  FAILS(smime_opened_layer_report(op, 0, NULL), NULLP);
  FAILS(smime_opened_layer_report(op, 0, &inner), SMIME_RESULT_NOT_AVAILABLE);
  FAILS(smime_opened_layer_report(op, 1, &inner), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_opened_layer_encryption(NULL, 0, &u, &b, &n), NULLP);
  FAILS(smime_opened_layer_encryption(op, 0, NULL, &b, &n), NULLP);
  FAILS(smime_opened_layer_encryption(op, 0, &u, NULL, &n), NULLP);
  FAILS(smime_opened_layer_encryption(op, 0, &u, &b, NULL), NULLP);
  FAILS(smime_opened_layer_encryption(op, 1, &u, &b, &n), SMIME_RESULT_INVALID_ARGUMENT);
  FAILS(smime_opened_layer_encryption(op, 1, &u, &b, NULL), NULLP);
  FAILS(smime_opened_layer_kind(op, 5, NULL), NULLP);
  FAILS(smime_opened_verdict(NULL, &u), NULLP);
  FAILS(smime_opened_verdict(op, NULL), NULLP);
  FAILS(smime_opened_content(NULL, &bytes), NULLP);
  FAILS(smime_opened_content(op, NULL), NULLP);
  FAILS(smime_opened_partial(NULL, &b), NULLP);
  FAILS(smime_opened_partial(op, NULL), NULLP);
  CHECK(u == U32_SENTINEL && n == SIZE_SENTINEL && b);
  CHECK(bytes == SENTINEL && inner == SENTINEL);
  /* The encrypted, unsigned message opens to one layer and is not signed. */
  OK(smime_opened_verdict(op, &u));
  CHECK(u == SMIME_VERDICT_NOT_SIGNED);
  smime_opened_free(op);
  smime_opened_free(NULL);

  smime_bytes_free(signed_msg);
  smime_bytes_free(sealed);
  smime_sign_options_free(so);
  smime_verify_options_free(vo);
  smime_certificate_free(alice_cert);
  smime_certificate_free(bob_cert);
  smime_certificate_free(root);
  smime_identity_free(alice);
  smime_identity_free(bob);
  smime_identity_free(dave);
  puts("errors: ok");
  return 0;
}
