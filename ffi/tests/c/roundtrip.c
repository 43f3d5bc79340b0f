/* The full mail round trip through the C API: Alice's PKCS#12 becomes an identity; she signs
 * (detached and opaque) and encrypts to Bob, Carol and herself; Bob and Alice decrypt; the
 * signatures verify against the root (with the intermediate), and every field of the reports
 * is read and checked; one changed byte gives an invalid signature with its reason. Then
 * sign-and-encrypt and triple wrap are opened layer by layer. */
#include "smime.h"
#include "check.h"
#include "msg_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char MESSAGE[] =
    "From: alice@example.com\r\n"
    "To: bob@example.com, carol@example.com\r\n"
    "Subject: the round trip\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "Hello Bob, hello Carol.\r\n";

static const char *dir;
static smime_certificate *root, *intermediate;
static unsigned char *root_crl, *intermediate_crl;
static size_t root_crl_len, intermediate_crl_len;

/* Verification options: the root as trust anchor, the intermediate, both CRLs. */
static smime_verify_options *verify_options(void) {
  smime_verify_options *o = NULL;
  OK(smime_verify_options_new(&o));
  OK(smime_verify_options_add_trust_anchor(o, root));
  OK(smime_verify_options_add_certificate(o, intermediate));
  OK(smime_verify_options_add_crl(o, root_crl, root_crl_len));
  OK(smime_verify_options_add_crl(o, intermediate_crl, intermediate_crl_len));
  return o;
}

/* Every field of a report of a good signature by Alice over MESSAGE. */
static void check_trusted_report(const smime_verify_report *r, uint32_t kind, int64_t not_before,
                                 int64_t not_after) {
  char msg[1024];
  uint32_t u = 999, code = 999;
  size_t n = 999;
  bool b = false;

  CHECK(verdict_of(r) == SMIME_VERDICT_TRUSTED);
  smime_bytes *text = NULL;
  OK(smime_verify_report_verdict_text(r, &text));
  CHECK(take_contains(text, "trusted"));
  OK(smime_verify_report_is_trusted(r, &b));
  CHECK(b);
  OK(smime_verify_report_scope(r, &u));
  CHECK(u == SMIME_SIGNED_SCOPE_WHOLE_MESSAGE);
  OK(smime_verify_report_kind(r, &u));
  CHECK(u == kind);
  OK(smime_verify_report_encrypted(r, &b));
  CHECK(!b);

  smime_bytes *content = NULL;
  OK(smime_verify_report_content(r, &content));
  CHECK(take_contains(content, "Hello Bob, hello Carol.\r\n"));

  OK(smime_verify_report_weakened_by_count(r, &n));
  CHECK(n == 0);
  smime_bytes *none = NULL;
  EXPECT(smime_verify_report_weakened_by(r, 0, &none), SMIME_RESULT_INVALID_ARGUMENT);
  CHECK(none == NULL);

  OK(smime_verify_report_address_count(r, &n));
  CHECK(n == 1);
  smime_bytes *address = NULL;
  OK(smime_verify_report_address(r, 0, &address));
  CHECK(take_equals(address, "alice@example.com"));

  /* The message carries Alice's certificate and the intermediate. */
  OK(smime_verify_report_certificate_count(r, &n));
  CHECK(n == 2);
  for (size_t i = 0; i < n; i++) {
    smime_certificate *c = NULL;
    OK(smime_verify_report_certificate(r, i, &c));
    smime_bytes *subject = NULL;
    OK(smime_certificate_subject(c, &subject));
    const char *s = smime_bytes_str(subject);
    CHECK(strstr(s, "CN=alice") != NULL || strstr(s, "Intermediate") != NULL);
    smime_bytes_free(subject);
    smime_certificate_free(c);
  }

  OK(smime_verify_report_inner_count(r, &n));
  CHECK(n == 0);
  OK(smime_verify_report_signer_count(r, &n));
  CHECK(n == 1);
  OK(smime_verify_report_signer_passed(r, 0, &b));
  CHECK(b);

  /* Every check passed; revocation is good (both CRLs were given and list nothing). */
  for (uint32_t check = SMIME_CHECK_SIGNATURE; check <= SMIME_CHECK_REVOCATION; check++) {
    code = 999;
    uint32_t status = signer_check(r, 0, check, &code, msg, sizeof msg);
    if (status != SMIME_CHECK_STATUS_PASSED) {
      fprintf(stderr, "check %u: status %u: %s\n", check, status, msg);
    }
    CHECK(status == SMIME_CHECK_STATUS_PASSED);
    CHECK(code == 0);
    if (check == SMIME_CHECK_REVOCATION) {
      CHECK(strstr(msg, "not revoked") != NULL);
    } else {
      CHECK(strcmp(msg, "ok") == 0);
    }
  }
  uint32_t failure = 999;
  OK(smime_verify_report_signer_signature_failure(r, 0, &failure));
  CHECK(failure == SMIME_SIGNATURE_FAILURE_NONE);
  /* code and message are optional. */
  uint32_t status = 99;
  OK(smime_verify_report_signer_check(r, 0, SMIME_CHECK_CHAIN, &status, NULL, NULL));
  CHECK(status == SMIME_CHECK_STATUS_PASSED);

  /* The signer certificate is Alice's, with her address. */
  smime_certificate *signer = NULL;
  OK(smime_verify_report_signer_certificate(r, 0, &signer));
  OK(smime_certificate_address_count(signer, &n));
  CHECK(n == 1);
  smime_bytes *a = NULL;
  OK(smime_certificate_address(signer, 0, &a));
  CHECK(take_equals(a, "alice@example.com"));
  int64_t nb = 0, na = 0;
  OK(smime_certificate_validity(signer, &nb, &na));
  CHECK(nb == not_before && na == not_after);
  smime_certificate_free(signer);
  OK(smime_verify_report_signer_address_count(r, 0, &n));
  CHECK(n == 1);
  OK(smime_verify_report_signer_address(r, 0, 0, &a));
  CHECK(take_equals(a, "alice@example.com"));
  a = NULL;
  EXPECT(smime_verify_report_signer_address(r, 0, 1, &a), SMIME_RESULT_INVALID_ARGUMENT);
  CHECK(a == NULL);

  /* The algorithms and the signer id. */
  smime_bytes *alg = NULL;
  OK(smime_verify_report_signer_digest_algorithm(r, 0, &alg));
  CHECK(take_contains(alg, "sha256"));
  OK(smime_verify_report_signer_signature_algorithm(r, 0, &alg));
  CHECK(take_equals(alg, "rsaEncryption"));
  OK(smime_verify_report_signer_id(r, 0, &alg));
  CHECK(take_contains(alg, "Intermediate"));

  /* A signer index out of range is an argument error and writes nothing. */
  b = true;
  EXPECT(smime_verify_report_signer_passed(r, 1, &b), SMIME_RESULT_INVALID_ARGUMENT);
  CHECK(b);
}

/* The signing time of signer 0. */
static int64_t signing_time(const smime_verify_report *r) {
  bool present = false;
  int64_t t = -1;
  OK(smime_verify_report_signer_signing_time(r, 0, &present, &t));
  CHECK(present);
  return t;
}

/* Whether signer 0's signing time lies in the future. */
static bool signing_time_in_future(const smime_verify_report *r) {
  bool future = true;
  OK(smime_verify_report_signer_signing_time_in_future(r, 0, &future));
  return future;
}

/* Decrypts `sealed` with `ids` and checks the result. */
static void check_decrypt(const unsigned char *sealed, size_t sealed_len,
                          const smime_identity *const *ids, size_t n, size_t key_index,
                          const smime_certificate *opener, uint32_t cipher, bool protected_) {
  smime_decrypted *d = NULL;
  OK(smime_decrypt(sealed, sealed_len, ids, n, NULL, &d));
  smime_bytes *content = NULL;
  OK(smime_decrypted_content(d, &content));
  size_t len = 0;
  unsigned char *plain = take_copy(content, &len);
  CHECK(strstr((char *)plain, "Content-Type: text/plain") != NULL);
  CHECK(strstr((char *)plain, "Hello Bob, hello Carol.\r\n") != NULL);
  /* The outer headers stayed outside: they are not in the encrypted entity. */
  CHECK(strstr((char *)plain, "Subject:") == NULL);
  free(plain);
  size_t k = 999;
  OK(smime_decrypted_key_index(d, &k));
  CHECK(k == key_index);
  uint32_t c = 999;
  OK(smime_decrypted_cipher(d, &c));
  CHECK(c == cipher);
  bool p = !protected_;
  OK(smime_decrypted_integrity_protected(d, &p));
  CHECK(p == protected_);
  /* Which key opened it: its certificate and fingerprint. */
  smime_bytes *fp = NULL, *want = NULL;
  OK(smime_decrypted_fingerprint(d, &fp));
  OK(smime_certificate_fingerprint(opener, &want));
  CHECK(smime_bytes_len(fp) == 64);
  CHECK(take_equals(fp, smime_bytes_str(want)));
  smime_certificate *cert = NULL;
  OK(smime_decrypted_certificate(d, &cert));
  OK(smime_certificate_fingerprint(cert, &fp));
  CHECK(take_equals(fp, smime_bytes_str(want)));
  smime_bytes_free(want);
  smime_certificate_free(cert);
  smime_decrypted_free(d);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  dir = argv[1];
  root = load_cert(dir, "root.pem");
  intermediate = load_cert(dir, "intermediate.pem");
  root_crl = read_file(dir, "root.crl.der", &root_crl_len);
  intermediate_crl = read_file(dir, "intermediate.crl.der", &intermediate_crl_len);

  smime_identity *alice = load_p12(dir, "alice.p12", "alice-password");
  smime_identity *bob = load_identity(dir, "bob.key", "bob.pem");
  smime_identity *dave = load_identity(dir, "dave.key", "dave.pem");
  smime_certificate *alice_cert = NULL;
  OK(smime_identity_certificate(alice, &alice_cert));
  smime_certificate *bob_cert = load_cert(dir, "bob.pem");
  smime_certificate *carol_cert = load_cert(dir, "carol.pem");
  int64_t alice_nb = 0, alice_na = 0;
  OK(smime_certificate_validity(alice_cert, &alice_nb, &alice_na));

  const smime_identity *signers[] = {alice};
  smime_verify_options *vo = verify_options();
  const size_t message_len = sizeof MESSAGE - 1;

  /* 1. Detached (multipart/signed), signed now. */
  smime_bytes *signed_msg = NULL;
  int64_t before = (int64_t)time(NULL);
  OK(smime_sign((const uint8_t *)MESSAGE, message_len, signers, 1, NULL, &signed_msg));
  int64_t after = (int64_t)time(NULL);
  size_t signed_len = 0;
  unsigned char *detached = take_copy(signed_msg, &signed_len);
  CHECK(strstr((char *)detached, "multipart/signed") != NULL);
  CHECK(strstr((char *)detached, "Subject: the round trip") != NULL);
  write_file(dir, "roundtrip-signed.eml", detached, signed_len);

  smime_verify_report *report = NULL;
  OK(smime_verify(detached, signed_len, vo, &report));
  check_trusted_report(report, SMIME_SIGNATURE_KIND_DETACHED, alice_nb, alice_na);
  int64_t t = signing_time(report);
  CHECK(t >= before - 1 && t <= after + 1);
  CHECK(!signing_time_in_future(report));
  smime_verify_report_free(report);

  /* 2. Opaque, SHA-512, with a chosen signing time, chain left out (the options give it). */
  smime_sign_options *so = NULL;
  OK(smime_sign_options_new(&so));
  OK(smime_sign_options_set_opaque(so, true));
  OK(smime_sign_options_set_digest(so, SMIME_DIGEST_SHA512));
  OK(smime_sign_options_set_signing_time(so, (uint64_t)(alice_nb + 60)));
  smime_bytes *opaque_msg = NULL;
  OK(smime_sign((const uint8_t *)MESSAGE, message_len, signers, 1, so, &opaque_msg));
  CHECK(strstr(smime_bytes_str(opaque_msg), "smime-type=signed-data") != NULL);
  OK(smime_verify(smime_bytes_data(opaque_msg), smime_bytes_len(opaque_msg), vo, &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_TRUSTED);
  uint32_t kind = 999;
  OK(smime_verify_report_kind(report, &kind));
  CHECK(kind == SMIME_SIGNATURE_KIND_OPAQUE);
  CHECK(signing_time(report) == alice_nb + 60);
  CHECK(!signing_time_in_future(report));
  smime_bytes *alg = NULL;
  OK(smime_verify_report_signer_digest_algorithm(report, 0, &alg));
  CHECK(take_contains(alg, "sha512"));
  smime_bytes *content = NULL;
  OK(smime_verify_report_content(report, &content));
  CHECK(take_contains(content, "Hello Bob, hello Carol."));
  smime_verify_report_free(report);
  smime_bytes_free(opaque_msg);

  /* A signing time a day ahead is flagged, and the signature is still judged now. */
  OK(smime_sign_options_set_opaque(so, false));
  OK(smime_sign_options_set_signing_time(so, (uint64_t)(time(NULL) + 86400)));
  smime_bytes *future_msg = NULL;
  OK(smime_sign((const uint8_t *)MESSAGE, message_len, signers, 1, so, &future_msg));
  OK(smime_verify(smime_bytes_data(future_msg), smime_bytes_len(future_msg), vo, &report));
  CHECK(signing_time_in_future(report));
  CHECK(verdict_of(report) == SMIME_VERDICT_TRUSTED);
  smime_verify_report_free(report);
  smime_bytes_free(future_msg);

  /* RSASSA-PSS without the chain: the options' intermediate completes the path. */
  OK(smime_sign_options_set_opaque(so, false));
  OK(smime_sign_options_set_pss(so, true));
  OK(smime_sign_options_set_include_chain(so, false));
  OK(smime_sign_options_set_signing_time_now(so));
  smime_bytes *pss_msg = NULL;
  OK(smime_sign((const uint8_t *)MESSAGE, message_len, signers, 1, so, &pss_msg));
  OK(smime_verify(smime_bytes_data(pss_msg), smime_bytes_len(pss_msg), vo, &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_TRUSTED);
  size_t n = 0;
  OK(smime_verify_report_certificate_count(report, &n));
  CHECK(n == 1);
  OK(smime_verify_report_signer_signature_algorithm(report, 0, &alg));
  CHECK(take_contains(alg, "PSS"));
  smime_verify_report_free(report);
  smime_bytes_free(pss_msg);
  smime_sign_options_free(so);

  /* Without trust anchors the same message is untrusted, and the chain says why. */
  OK(smime_verify(detached, signed_len, NULL, &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_UNTRUSTED);
  char msg[1024];
  uint32_t code = 0;
  CHECK(signer_check(report, 0, SMIME_CHECK_CHAIN, &code, msg, sizeof msg) ==
        SMIME_CHECK_STATUS_FAILED);
  CHECK(code == SMIME_RESULT_CHAIN_NO_TRUST_ANCHORS);
  CHECK(strstr(msg, "no trusted root") != NULL);
  CHECK(signer_check(report, 0, SMIME_CHECK_SIGNATURE, &code, msg, sizeof msg) ==
        SMIME_CHECK_STATUS_PASSED);
  CHECK(signer_check(report, 0, SMIME_CHECK_REVOCATION, &code, msg, sizeof msg) ==
        SMIME_CHECK_STATUS_NOT_CHECKED);
  smime_verify_report_free(report);

  /* Expecting another sender: the address check fails with the addresses named. */
  smime_verify_options *vo_bob = verify_options();
  OK(smime_verify_options_set_address(vo_bob, "bob@example.com"));
  OK(smime_verify(detached, signed_len, vo_bob, &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_ADDRESS_MISMATCH);
  CHECK(signer_check(report, 0, SMIME_CHECK_ADDRESS, &code, msg, sizeof msg) ==
        SMIME_CHECK_STATUS_FAILED);
  CHECK(strstr(msg, "bob@example.com") != NULL && strstr(msg, "alice@example.com") != NULL);
  smime_verify_report_free(report);
  OK(smime_verify_options_set_address_from_header(vo_bob));
  OK(smime_verify(detached, signed_len, vo_bob, &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_TRUSTED);
  smime_verify_report_free(report);
  smime_verify_options_free(vo_bob);

  /* 3. One changed byte of the signed text: the signature is invalid, and says why. */
  char *hello = strstr((char *)detached, "Hello Bob");
  CHECK(hello != NULL);
  hello[6] = 'X';
  OK(smime_verify(detached, signed_len, vo, &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_SIGNATURE_INVALID);
  bool passed = true;
  OK(smime_verify_report_signer_passed(report, 0, &passed));
  CHECK(!passed);
  code = 999;
  CHECK(signer_check(report, 0, SMIME_CHECK_SIGNATURE, &code, msg, sizeof msg) ==
        SMIME_CHECK_STATUS_FAILED);
  CHECK(code == 0);
  CHECK(strstr(msg, "the message was changed") != NULL);
  uint32_t failure = 999;
  OK(smime_verify_report_signer_signature_failure(report, 0, &failure));
  CHECK(failure == SMIME_SIGNATURE_FAILURE_MESSAGE_DIGEST_MISMATCH);
  smime_bytes *text = NULL;
  OK(smime_verify_report_verdict_text(report, &text));
  CHECK(take_contains(text, "invalid signature"));
  smime_verify_report_free(report);
  free(detached);

  /* 4. Encrypted to Bob, Carol and Alice herself (the self copy). */
  smime_encrypt_options *eo = NULL;
  OK(smime_encrypt_options_new(&eo));
  OK(smime_encrypt_options_set_sender(eo, alice_cert));
  OK(smime_encrypt_options_add_trust_anchor(eo, root));
  OK(smime_encrypt_options_add_certificate(eo, intermediate));
  OK(smime_encrypt_options_add_crl(eo, intermediate_crl, intermediate_crl_len));
  OK(smime_encrypt_options_add_crl(eo, root_crl, root_crl_len));
  const smime_certificate *recipients[] = {bob_cert, carol_cert};
  smime_bytes *sealed = NULL;
  OK(smime_encrypt((const uint8_t *)MESSAGE, message_len, recipients, 2, eo, &sealed));
  CHECK(strstr(smime_bytes_str(sealed), "authEnveloped-data") != NULL);
  CHECK(strstr(smime_bytes_str(sealed), "Subject: the round trip") != NULL);
  CHECK(strstr(smime_bytes_str(sealed), "Hello Bob") == NULL);
  write_file(dir, "roundtrip-encrypted.eml", smime_bytes_data(sealed), smime_bytes_len(sealed));
  const unsigned char *s = smime_bytes_data(sealed);
  size_t sl = smime_bytes_len(sealed);

  const smime_identity *as_bob[] = {bob};
  check_decrypt(s, sl, as_bob, 1, 0, bob_cert, SMIME_CIPHER_AES256_GCM, true);
  const smime_identity *as_alice[] = {alice};
  check_decrypt(s, sl, as_alice, 1, 0, alice_cert, SMIME_CIPHER_AES256_GCM, true);
  /* Dave is no recipient: with Dave's and Bob's keys, Bob's (index 1) opens it. */
  const smime_identity *dave_bob[] = {dave, bob};
  check_decrypt(s, sl, dave_bob, 2, 1, bob_cert, SMIME_CIPHER_AES256_GCM, true);
  const smime_identity *as_dave[] = {dave};
  smime_decrypted *d = NULL;
  EXPECT(smime_decrypt(s, sl, as_dave, 1, NULL, &d), SMIME_RESULT_DECRYPT_CANNOT_DECRYPT);
  CHECK(d == NULL);
  smime_bytes_free(sealed);

  /* AES-128-CBC with OAEP: readable, but not integrity-protected; a strict policy refuses
   * it. */
  OK(smime_encrypt_options_set_cipher(eo, SMIME_CIPHER_AES128_CBC));
  OK(smime_encrypt_options_set_key_transport(eo, SMIME_KEY_TRANSPORT_RSA_OAEP));
  OK(smime_encrypt((const uint8_t *)MESSAGE, message_len, recipients, 2, eo, &sealed));
  CHECK(strstr(smime_bytes_str(sealed), "smime-type=enveloped-data") != NULL);
  s = smime_bytes_data(sealed);
  sl = smime_bytes_len(sealed);
  check_decrypt(s, sl, as_alice, 1, 0, alice_cert, SMIME_CIPHER_AES128_CBC, false);
  check_decrypt(s, sl, as_bob, 1, 0, bob_cert, SMIME_CIPHER_AES128_CBC, false);
  smime_policy *strict = NULL;
  OK(smime_policy_new_strict(&strict));
  EXPECT(smime_decrypt(s, sl, as_bob, 1, strict, &d), SMIME_RESULT_DECRYPT_NOT_ACCEPTED);
  CHECK(d == NULL);
  smime_bytes_free(sealed);
  /* The strict policy in the encrypt options refuses to write CBC. */
  OK(smime_encrypt_options_set_policy(eo, strict));
  smime_bytes *refused = NULL;
  EXPECT(smime_encrypt((const uint8_t *)MESSAGE, message_len, recipients, 2, eo, &refused),
         SMIME_RESULT_ENCRYPT_NOT_ACCEPTED);
  CHECK(refused == NULL);
  smime_policy_free(strict);
  OK(smime_encrypt_options_set_cipher(eo, SMIME_CIPHER_AES128_GCM));
  OK(smime_encrypt((const uint8_t *)MESSAGE, message_len, recipients, 2, eo, &sealed));
  check_decrypt(smime_bytes_data(sealed), smime_bytes_len(sealed), as_bob, 1, 0, bob_cert,
                SMIME_CIPHER_AES128_GCM, true);
  smime_bytes_free(sealed);
  OK(smime_encrypt_options_set_sender(eo, NULL));
  OK(smime_encrypt((const uint8_t *)MESSAGE, message_len, recipients, 2, eo, &sealed));
  EXPECT(smime_decrypt(smime_bytes_data(sealed), smime_bytes_len(sealed), as_alice, 1, NULL, &d),
         SMIME_RESULT_DECRYPT_CANNOT_DECRYPT);
  smime_bytes_free(sealed);
  OK(smime_encrypt_options_set_sender(eo, alice_cert));

  /* 5. Signed, then encrypted: opened by Bob, two layers, the content trusted. */
  OK(smime_sign_and_encrypt((const uint8_t *)MESSAGE, message_len, signers, 1, NULL, recipients,
                            2, eo, false, &sealed));
  smime_opened *opened = NULL;
  OK(smime_open(smime_bytes_data(sealed), smime_bytes_len(sealed), as_bob, 1, vo, &opened));
  OK(smime_opened_layer_count(opened, &n));
  CHECK(n == 2);
  uint32_t lk = 999;
  OK(smime_opened_layer_kind(opened, 0, &lk));
  CHECK(lk == SMIME_LAYER_KIND_ENCRYPTED);
  OK(smime_opened_layer_kind(opened, 1, &lk));
  CHECK(lk == SMIME_LAYER_KIND_SIGNED);
  uint32_t cipher = 999;
  bool protected_ = false;
  size_t key_index = 999;
  OK(smime_opened_layer_encryption(opened, 0, &cipher, &protected_, &key_index));
  CHECK(cipher == SMIME_CIPHER_AES128_GCM && protected_ && key_index == 0);
  smime_verify_report *layer = NULL;
  EXPECT(smime_opened_layer_report(opened, 0, &layer), SMIME_RESULT_NOT_AVAILABLE);
  CHECK(layer == NULL);
  EXPECT(smime_opened_layer_encryption(opened, 1, &cipher, &protected_, &key_index),
         SMIME_RESULT_NOT_AVAILABLE);
  OK(smime_opened_layer_report(opened, 1, &layer));
  check_trusted_report(layer, SMIME_SIGNATURE_KIND_DETACHED, alice_nb, alice_na);
  smime_verify_report_free(layer);
  uint32_t v = 999;
  OK(smime_opened_verdict(opened, &v));
  CHECK(v == SMIME_VERDICT_TRUSTED);
  bool partial = true;
  OK(smime_opened_partial(opened, &partial));
  CHECK(!partial);
  OK(smime_opened_content(opened, &content));
  CHECK(take_contains(content, "Hello Bob, hello Carol.\r\n"));
  EXPECT(smime_opened_layer_kind(opened, 2, &lk), SMIME_RESULT_INVALID_ARGUMENT);
  smime_opened_free(opened);
  /* The same message through verify: encrypted, decrypt first. */
  OK(smime_verify(smime_bytes_data(sealed), smime_bytes_len(sealed), vo, &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_ENCRYPTED);
  smime_verify_report_free(report);
  smime_bytes_free(sealed);

  /* 6. Triple wrap: signed, encrypted, signed again. The outer signature covers ciphertext;
   * the content's verdict comes from the inner one. */
  OK(smime_sign_and_encrypt((const uint8_t *)MESSAGE, message_len, signers, 1, NULL, recipients,
                            2, eo, true, &sealed));
  OK(smime_open(smime_bytes_data(sealed), smime_bytes_len(sealed), as_alice, 1, vo, &opened));
  OK(smime_opened_layer_count(opened, &n));
  CHECK(n == 3);
  uint32_t kinds[3];
  for (size_t i = 0; i < 3; i++) OK(smime_opened_layer_kind(opened, i, &kinds[i]));
  CHECK(kinds[0] == SMIME_LAYER_KIND_SIGNED && kinds[1] == SMIME_LAYER_KIND_ENCRYPTED &&
        kinds[2] == SMIME_LAYER_KIND_SIGNED);
  OK(smime_opened_layer_report(opened, 0, &layer));
  uint32_t scope = 999;
  OK(smime_verify_report_scope(layer, &scope));
  CHECK(scope == SMIME_SIGNED_SCOPE_CIPHERTEXT);
  CHECK(verdict_of(layer) == SMIME_VERDICT_CIPHERTEXT_ONLY);
  smime_verify_report_free(layer);
  OK(smime_opened_layer_report(opened, 2, &layer));
  CHECK(verdict_of(layer) == SMIME_VERDICT_TRUSTED);
  smime_verify_report_free(layer);
  OK(smime_opened_verdict(opened, &v));
  CHECK(v == SMIME_VERDICT_TRUSTED);
  smime_opened_free(opened);
  smime_bytes_free(sealed);

  /* 7. A plain message opens with no layers and is not signed. */
  OK(smime_open((const uint8_t *)MESSAGE, message_len, as_bob, 1, NULL, &opened));
  OK(smime_opened_layer_count(opened, &n));
  CHECK(n == 0);
  OK(smime_opened_verdict(opened, &v));
  CHECK(v == SMIME_VERDICT_NOT_SIGNED);
  smime_opened_free(opened);

  /* 8. A keyring with no trust anchors of its own, given the options' root: trusted. */
  smime_keyring *ring = NULL;
  OK(smime_keyring_new(&ring));
  OK(smime_sign((const uint8_t *)MESSAGE, message_len, signers, 1, NULL, &signed_msg));
  OK(smime_keyring_verify(ring, smime_bytes_data(signed_msg), smime_bytes_len(signed_msg), vo,
                          &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_TRUSTED);
  smime_verify_report_free(report);
  OK(smime_keyring_verify(ring, smime_bytes_data(signed_msg), smime_bytes_len(signed_msg), NULL,
                          &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_UNTRUSTED);
  smime_verify_report_free(report);
  OK(smime_keyring_open(ring, smime_bytes_data(signed_msg), smime_bytes_len(signed_msg), NULL,
                        &opened));
  OK(smime_opened_layer_count(opened, &n));
  CHECK(n == 1);
  OK(smime_opened_verdict(opened, &v));
  CHECK(v == SMIME_VERDICT_UNTRUSTED);
  smime_opened_free(opened);
  smime_bytes_free(signed_msg);
  smime_keyring_free(ring);

  /* 9. inspect: what each input is. */
  struct {
    const char *file;
    uint32_t kind;
    const char *says;
  } inputs[] = {
      {"roundtrip-signed.eml", SMIME_INSPECTED_KIND_MESSAGE, "multipart/signed"},
      {"roundtrip-encrypted.eml", SMIME_INSPECTED_KIND_MESSAGE, "authEnveloped-data"},
      {"certs-only.p7b", SMIME_INSPECTED_KIND_CMS_CERTS_ONLY, "certs-only"},
      {"alice.pem", SMIME_INSPECTED_KIND_CERTIFICATES, "alice@example.com"},
      {"root.crl.der", SMIME_INSPECTED_KIND_CRL, "revoked certificates: 0"},
      {"alice.p12", SMIME_INSPECTED_KIND_PKCS12, "PKCS#12"},
      {"bob.key", SMIME_INSPECTED_KIND_PRIVATE_KEY, "P-256"},
  };
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    size_t len = 0;
    unsigned char *data = read_file(dir, inputs[i].file, &len);
    uint32_t ik = 999;
    smime_bytes *desc = NULL;
    OK(smime_inspect(data, len, &ik, &desc));
    if (ik != inputs[i].kind) fprintf(stderr, "%s: kind %u\n", inputs[i].file, ik);
    CHECK(ik == inputs[i].kind);
    CHECK(take_contains(desc, inputs[i].says));
    free(data);
  }
  /* The encrypted message names its recipients: Bob (key agreement), Carol, Alice. */
  {
    size_t len = 0;
    unsigned char *data = read_file(dir, "roundtrip-encrypted.eml", &len);
    uint32_t ik = 999;
    smime_bytes *desc = NULL;
    OK(smime_inspect(data, len, &ik, &desc));
    CHECK(strstr(smime_bytes_str(desc), "recipients: 3") != NULL);
    CHECK(take_contains(desc, "key agreement"));
    free(data);
  }

  smime_encrypt_options_free(eo);
  smime_verify_options_free(vo);
  smime_certificate_free(alice_cert);
  smime_certificate_free(bob_cert);
  smime_certificate_free(carol_cert);
  smime_identity_free(alice);
  smime_identity_free(bob);
  smime_identity_free(dave);
  smime_certificate_free(root);
  smime_certificate_free(intermediate);
  free(root_crl);
  free(intermediate_crl);
  puts("roundtrip: ok");
  return 0;
}
