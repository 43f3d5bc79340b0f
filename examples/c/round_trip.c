/* A mail round trip through the C API of smime: Alice signs a message with the identity of her
 * PKCS#12 file and encrypts it to Bob (and to herself); Bob decrypts it with his PKCS#12 and
 * verifies the signature against the root he trusts, then prints the report.
 *
 * Usage: round_trip DIR, where DIR holds alice.p12 (password "alice-password"), bob.p12
 * ("bob-password"), bob.pem (Bob's certificate), intermediate.pem (the CA that issued it)
 * and root.pem (the trust anchor).
 * Build: cc -std=c11 -I include examples/c/round_trip.c target/release/libsmime_ffi.a \
 *          -lpthread -ldl -lm -o round_trip */
#include "smime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char MESSAGE[] =
    "From: alice@example.com\r\n"
    "To: bob@example.com\r\n"
    "Subject: lunch\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "Noon at the usual place?\r\n";

/* Reads DIR/NAME into a new buffer (NULL on failure). */
static unsigned char *read_file(const char *dir, const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  unsigned char *buf = NULL;
  size_t n = 0;
  for (;;) {
    unsigned char *grown = realloc(buf, n + 4096);
    if (grown == NULL) break;
    buf = grown;
    size_t got = fread(buf + n, 1, 4096, f);
    n += got;
    if (got < 4096) break;
  }
  fclose(f);
  *len = n;
  return buf;
}

/* Reports a failed call with the library's explanation; returns 0 for success, 1 otherwise. */
static int failed(smime_result r, const char *what) {
  if (r == SMIME_RESULT_OK) return 0;
  fprintf(stderr, "%s: %s (%s)\n", what, smime_result_name(r), smime_last_error_message());
  return 1;
}

static smime_identity *load_identity(const char *dir, const char *file, const char *password) {
  size_t len = 0;
  unsigned char *der = read_file(dir, file, &len);
  smime_identity *identity = NULL;
  if (der == NULL) {
    fprintf(stderr, "cannot read %s/%s\n", dir, file);
  } else if (failed(smime_identity_from_pkcs12(der, len, password, &identity), file)) {
    identity = NULL;
  }
  free(der);
  return identity;
}

static smime_certificate *load_certificate(const char *dir, const char *file) {
  size_t len = 0;
  unsigned char *pem = read_file(dir, file, &len);
  smime_certificate *certificate = NULL;
  if (pem == NULL) {
    fprintf(stderr, "cannot read %s/%s\n", dir, file);
  } else if (failed(smime_certificate_from_pem(pem, len, &certificate), file)) {
    certificate = NULL;
  }
  free(pem);
  return certificate;
}

/* Prints the verdict and, per signer, every check with its reason. */
static int print_report(const smime_verify_report *report) {
  static const char *const CHECKS[] = {"signature", "algorithm",   "chain",   "validity",
                                       "key usage", "ext key usage", "address", "revocation"};
  static const char *const STATUS[] = {"passed", "FAILED", "not checked", "unknown"};
  smime_bytes *verdict = NULL;
  size_t signers = 0;
  if (failed(smime_verify_report_verdict_text(report, &verdict), "verdict") ||
      failed(smime_verify_report_signer_count(report, &signers), "signers")) {
    smime_bytes_free(verdict);
    return 1;
  }
  printf("verdict: %s\n", smime_bytes_str(verdict));
  smime_bytes_free(verdict);
  for (size_t i = 0; i < signers; i++) {
    smime_bytes *address = NULL;
    if (smime_verify_report_signer_address(report, i, 0, &address) == SMIME_RESULT_OK) {
      printf("signer %zu: %s\n", i, smime_bytes_str(address));
      smime_bytes_free(address);
    }
    for (uint32_t check = SMIME_CHECK_SIGNATURE; check <= SMIME_CHECK_REVOCATION; check++) {
      uint32_t status = 0;
      smime_bytes *why = NULL;
      if (failed(smime_verify_report_signer_check(report, i, check, &status, NULL, &why),
                 "check")) {
        return 1;
      }
      printf("  %-13s %-11s %s\n", CHECKS[check], status < 4 ? STATUS[status] : "?",
             smime_bytes_str(why));
      smime_bytes_free(why);
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1];
  int status = 1;
  smime_bytes *signed_msg = NULL, *sealed = NULL, *content = NULL;
  smime_encrypt_options *encrypt_options = NULL;
  smime_verify_options *verify_options = NULL;
  smime_decrypted *decrypted = NULL;
  smime_verify_report *report = NULL;
  smime_certificate *alice_cert = NULL;
  bool trusted = false;

  printf("smime %s\n", smime_version());
  smime_identity *alice = load_identity(dir, "alice.p12", "alice-password");
  smime_identity *bob = load_identity(dir, "bob.p12", "bob-password");
  smime_certificate *bob_cert = load_certificate(dir, "bob.pem");
  smime_certificate *intermediate = load_certificate(dir, "intermediate.pem");
  smime_certificate *root = load_certificate(dir, "root.pem");
  if (!alice || !bob || !bob_cert || !intermediate || !root) goto done;

  /* Alice signs (multipart/signed, SHA-256) and encrypts to Bob and to herself (AES-256-GCM),
   * once Bob's certificate is found valid: it chains to the root through the intermediate. */
  const smime_identity *signers[] = {alice};
  if (failed(smime_sign((const uint8_t *)MESSAGE, strlen(MESSAGE), signers, 1, NULL,
                        &signed_msg), "sign") ||
      failed(smime_identity_certificate(alice, &alice_cert), "alice's certificate") ||
      failed(smime_encrypt_options_new(&encrypt_options), "encrypt options") ||
      failed(smime_encrypt_options_set_sender(encrypt_options, alice_cert), "sender") ||
      failed(smime_encrypt_options_add_trust_anchor(encrypt_options, root), "anchor") ||
      failed(smime_encrypt_options_add_certificate(encrypt_options, intermediate), "CA")) {
    goto done;
  }
  const smime_certificate *recipients[] = {bob_cert};
  if (failed(smime_encrypt(smime_bytes_data(signed_msg), smime_bytes_len(signed_msg),
                           recipients, 1, encrypt_options, &sealed), "encrypt")) {
    goto done;
  }
  printf("sent: %zu bytes of application/pkcs7-mime\n", smime_bytes_len(sealed));

  /* Bob decrypts with his key, then verifies what was inside against the root he trusts. The
   * From field stays on the outside of the encrypted message: the app names that sender. */
  const smime_identity *keys[] = {bob};
  if (failed(smime_decrypt(smime_bytes_data(sealed), smime_bytes_len(sealed), keys, 1, NULL,
                           &decrypted), "decrypt") ||
      failed(smime_decrypted_content(decrypted, &content), "decrypted content") ||
      failed(smime_verify_options_new(&verify_options), "verify options") ||
      failed(smime_verify_options_add_trust_anchor(verify_options, root), "trust anchor") ||
      failed(smime_verify_options_set_address(verify_options, "alice@example.com"), "From") ||
      failed(smime_verify(smime_bytes_data(content), smime_bytes_len(content), verify_options,
                          &report), "verify") ||
      print_report(report) ||
      failed(smime_verify_report_is_trusted(report, &trusted), "trusted")) {
    goto done;
  }
  status = trusted ? 0 : 1;

done:
  smime_verify_report_free(report);
  smime_verify_options_free(verify_options);
  smime_bytes_free(content);
  smime_decrypted_free(decrypted);
  smime_bytes_free(sealed);
  smime_encrypt_options_free(encrypt_options);
  smime_bytes_free(signed_msg);
  smime_certificate_free(alice_cert);
  smime_certificate_free(root);
  smime_certificate_free(intermediate);
  smime_certificate_free(bob_cert);
  smime_identity_free(bob);
  smime_identity_free(alice);
  return status;
}
