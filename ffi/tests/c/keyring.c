/* The keyring through the C ABI: PKCS#12, trust anchors, intermediates, CRLs, certs-only and
 * directory imports; lists of identities and contacts; recipient readiness (ready, unknown,
 * expired); the signer for an address; removal; save and load, to a file and to bytes, with
 * the wrong key refused; exports. */
#include "smime.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

static const char *dir;

static smime_certificate *load_pem(const char *name) {
  size_t len = 0;
  unsigned char *pem = read_file(dir, name, &len);
  smime_certificate *cert = NULL;
  OK(smime_certificate_from_pem(pem, len, &cert));
  free(pem);
  return cert;
}

/* Whether the certificate's first address is `address`. */
static int has_address(const smime_certificate *cert, const char *address) {
  smime_bytes *a = NULL;
  size_t n = 0;
  OK(smime_certificate_address_count(cert, &n));
  if (n == 0) return 0;
  OK(smime_certificate_address(cert, 0, &a));
  int same = strcmp(smime_bytes_str(a), address) == 0;
  smime_bytes_free(a);
  return same;
}

static char *fingerprint_of(const smime_certificate *cert) {
  smime_bytes *fp = NULL;
  OK(smime_certificate_fingerprint(cert, &fp));
  CHECK(smime_bytes_len(fp) == 64);
  char *copy = malloc(65);
  CHECK(copy != NULL);
  memcpy(copy, smime_bytes_str(fp), 65);
  smime_bytes_free(fp);
  return copy;
}

static size_t identity_count(const smime_keyring *ring) {
  size_t n = 0;
  OK(smime_keyring_identity_count(ring, &n));
  return n;
}

static size_t contact_count(const smime_keyring *ring) {
  smime_contact_list *list = NULL;
  size_t n = 0;
  OK(smime_keyring_contacts(ring, &list));
  OK(smime_contact_list_count(list, &n));
  smime_contact_list_free(list);
  return n;
}

static void import_file(smime_keyring *ring, const char *name, const char *password,
                        size_t expected_identities) {
  size_t len = 0;
  unsigned char *p12 = read_file(dir, name, &len);
  size_t ids = 99, certs = 99;
  /* A wrong password is its own result, and the counters stay untouched. */
  EXPECT(smime_keyring_import_pkcs12(ring, p12, len, "wrong", &ids, &certs),
         SMIME_RESULT_PKCS12_WRONG_PASSWORD);
  CHECK(ids == 99 && certs == 99);
  OK(smime_keyring_import_pkcs12(ring, p12, len, password, &ids, &certs));
  CHECK(ids == expected_identities);
  CHECK(certs <= 1); /* the intermediate, when the file carries it */
  OK(smime_keyring_import_pkcs12(ring, p12, len, password, NULL, NULL));
  free(p12);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  dir = argv[1];

  smime_keyring *ring = NULL;
  OK(smime_keyring_new(&ring));
  EXPECT(smime_keyring_identity_count(NULL, NULL), SMIME_RESULT_NULL_PARAMETER);

  /* Identities from PKCS#12 (importing again replaces, it does not duplicate). */
  import_file(ring, "alice.p12", "alice-password", 1);
  import_file(ring, "bob.p12", "bob-password", 1);
  CHECK(identity_count(ring) == 2);
  smime_identity *first = NULL;
  OK(smime_keyring_identity(ring, 0, &first));
  smime_certificate *alice = NULL;
  OK(smime_identity_certificate(first, &alice));
  CHECK(has_address(alice, "alice@example.com"));
  smime_identity_free(first);
  smime_identity *none = NULL;
  EXPECT(smime_keyring_identity(ring, 2, &none), SMIME_RESULT_INVALID_ARGUMENT);
  CHECK(none == NULL);

  /* Trust: the root as anchor, the intermediate for chains; an end-entity certificate is no
   * intermediate. */
  smime_certificate *root = load_pem("root.pem");
  smime_certificate *intermediate = load_pem("intermediate.pem");
  OK(smime_keyring_add_trust_anchor(ring, root));
  OK(smime_keyring_add_intermediate(ring, intermediate));
  EXPECT(smime_keyring_add_intermediate(ring, alice), SMIME_RESULT_KEYRING_UNSUITABLE);
  EXPECT(smime_keyring_add_trust_anchor(ring, NULL), SMIME_RESULT_NULL_PARAMETER);

  /* CRLs, DER. Garbage is refused. */
  size_t len = 0;
  unsigned char *crl = read_file(dir, "root.crl.der", &len);
  OK(smime_keyring_add_crl(ring, crl, len));
  free(crl);
  crl = read_file(dir, "intermediate.crl.der", &len);
  OK(smime_keyring_add_crl(ring, crl, len));
  free(crl);
  const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
  CHECK(smime_keyring_add_crl(ring, junk, sizeof junk) != SMIME_RESULT_OK);

  /* A certs-only blob: carol (a contact) and the intermediate. */
  unsigned char *p7b = read_file(dir, "certs-only.p7b", &len);
  size_t certs = 0, crls = 99;
  OK(smime_keyring_import_certs_only(ring, p7b, len, &certs, &crls));
  CHECK(certs == 2);
  CHECK(crls == 0);
  /* The same blob as a directory's userSMIMECertificate value. */
  OK(smime_keyring_import_directory_entry(ring, p7b, len, &certs));
  CHECK(certs == 2);
  free(p7b);
  /* A userCertificate value (PEM): dave. */
  unsigned char *dave_pem = read_file(dir, "dave.pem", &len);
  OK(smime_keyring_import_directory_entry(ring, dave_pem, len, &certs));
  CHECK(certs == 1);
  free(dave_pem);
  EXPECT(smime_keyring_import_directory_entry(ring, NULL, 0, &certs), SMIME_RESULT_PARSE_EMPTY);

  /* Contacts: carol from the certs-only blob, dave from the directory. */
  smime_contact_list *contacts = NULL;
  OK(smime_keyring_contacts(ring, &contacts));
  size_t n = 0;
  OK(smime_contact_list_count(contacts, &n));
  CHECK(n == 2);
  int seen_carol = 0, seen_dave = 0;
  smime_certificate *carol = NULL;
  for (size_t i = 0; i < n; i++) {
    smime_certificate *c = NULL;
    uint32_t source = 99;
    OK(smime_contact_list_certificate(contacts, i, &c));
    OK(smime_contact_list_source(contacts, i, &source));
    if (has_address(c, "carol@example.com")) {
      CHECK(source == SMIME_SOURCE_CERTS_ONLY);
      seen_carol = 1;
      carol = c;
      continue;
    }
    CHECK(has_address(c, "dave@example.com"));
    CHECK(source == SMIME_SOURCE_DIRECTORY);
    seen_dave = 1;
    smime_certificate_free(c);
  }
  CHECK(seen_carol && seen_dave);
  uint32_t source = 0;
  EXPECT(smime_contact_list_source(contacts, n, &source), SMIME_RESULT_INVALID_ARGUMENT);
  smime_contact_list_free(contacts);

  /* Readiness: carol is ready (her chain reaches the root), bob is ready (his own identity),
   * nobody has no certificate. */
  smime_policy *policy = NULL;
  OK(smime_policy_new(&policy));
  const char *addresses[] = {"carol@example.com", "nobody@example.com", "bob@example.com"};
  smime_readiness *ready = NULL;
  OK(smime_keyring_recipient_readiness(ring, addresses, 3, policy, &ready));
  OK(smime_readiness_count(ready, &n));
  CHECK(n == 3);
  bool is_ready = false;
  uint32_t code = 99;
  smime_certificate *c = NULL;
  smime_bytes *text = NULL;
  OK(smime_readiness_is_ready(ready, 0, &is_ready));
  CHECK(is_ready);
  OK(smime_readiness_reason_code(ready, 0, &code));
  CHECK(code == SMIME_READINESS_STATUS_READY);
  OK(smime_readiness_certificate(ready, 0, &c));
  CHECK(has_address(c, "carol@example.com"));
  smime_certificate_free(c);
  c = NULL;
  EXPECT(smime_readiness_reason(ready, 0, &text), SMIME_RESULT_NOT_AVAILABLE);
  CHECK(text == NULL);
  OK(smime_readiness_address(ready, 1, &text));
  CHECK(strcmp(smime_bytes_str(text), "nobody@example.com") == 0);
  smime_bytes_free(text);
  OK(smime_readiness_is_ready(ready, 1, &is_ready));
  CHECK(!is_ready);
  OK(smime_readiness_reason_code(ready, 1, &code));
  CHECK(code == SMIME_READINESS_STATUS_NO_CERTIFICATE);
  OK(smime_readiness_reason(ready, 1, &text));
  CHECK(strstr(smime_bytes_str(text), "no certificate") != NULL);
  smime_bytes_free(text);
  EXPECT(smime_readiness_certificate(ready, 1, &c), SMIME_RESULT_NOT_AVAILABLE);
  CHECK(c == NULL);
  OK(smime_readiness_is_ready(ready, 2, &is_ready));
  CHECK(is_ready);
  EXPECT(smime_readiness_is_ready(ready, 3, &is_ready), SMIME_RESULT_INVALID_ARGUMENT);
  smime_readiness_free(ready);
  EXPECT(smime_keyring_recipient_readiness(ring, NULL, 1, policy, &ready),
         SMIME_RESULT_NULL_PARAMETER);

  /* The policy settings a mail app makes. */
  bool flag = true;
  OK(smime_policy_danger_used(policy, &flag));
  CHECK(!flag);
  uint32_t mode = 99;
  OK(smime_policy_revocation(policy, &mode));
  CHECK(mode == SMIME_REVOCATION_MODE_SOFT_FAIL);
  OK(smime_policy_accepts_digest(policy, SMIME_DIGEST_SHA1, &flag));
  CHECK(!flag);
  OK(smime_policy_accepts_digest(policy, SMIME_DIGEST_SHA256, &flag));
  CHECK(flag);
  EXPECT(smime_policy_accepts_digest(policy, 77, &flag), SMIME_RESULT_INVALID_ARGUMENT);
  EXPECT(smime_policy_set_max_layers(policy, 0), SMIME_RESULT_INVALID_ARGUMENT);
  OK(smime_policy_set_max_layers(policy, 4));
  EXPECT(smime_policy_set_max_size(policy, 10), SMIME_RESULT_INVALID_ARGUMENT);
  OK(smime_policy_set_max_size(policy, 1 << 20));
  OK(smime_policy_set_accept_rsa_pss(policy, true));
  OK(smime_policy_set_min_rsa_bits(policy, 2048));
  smime_policy *weak = NULL;
  OK(smime_policy_new_strict(&weak));
  OK(smime_policy_revocation(weak, &mode));
  CHECK(mode == SMIME_REVOCATION_MODE_HARD_FAIL);
  OK(smime_policy_danger_skip_address_check(weak, true));
  OK(smime_policy_danger_used(weak, &flag));
  CHECK(flag);
  OK(smime_policy_danger_skip_address_check(weak, false));
  OK(smime_policy_danger_pinned_certificate_is_path(weak, true));
  OK(smime_policy_danger_used(weak, &flag));
  CHECK(flag);
  smime_policy_free(weak);

  /* Judged in 2100, carol's certificate has expired. */
  smime_policy *later = NULL;
  OK(smime_policy_new(&later));
  OK(smime_policy_set_time(later, 4102444800u));
  OK(smime_keyring_recipient_readiness(ring, addresses, 1, later, &ready));
  OK(smime_readiness_is_ready(ready, 0, &is_ready));
  CHECK(!is_ready);
  OK(smime_readiness_reason_code(ready, 0, &code));
  CHECK(code == SMIME_READINESS_STATUS_EXPIRED);
  OK(smime_readiness_reason(ready, 0, &text));
  CHECK(strstr(smime_bytes_str(text), "expired") != NULL);
  smime_bytes_free(text);
  smime_readiness_free(ready);

  /* The cipher for carol and bob: nothing is known of their capabilities, so AES-256-GCM. */
  smime_certificate *bob = NULL;
  OK(smime_keyring_own_encryption_certificate(ring, "bob@example.com", policy, &bob));
  const smime_certificate *recipients[] = {carol, bob};
  uint32_t cipher = 99;
  smime_bytes *why = NULL;
  OK(smime_keyring_choose_cipher(ring, recipients, 2, &cipher, &why));
  CHECK(cipher == SMIME_CIPHER_AES256_GCM);
  CHECK(strstr(smime_bytes_str(why), "AES-256-GCM") != NULL);
  smime_bytes_free(why);
  OK(smime_keyring_choose_cipher(ring, recipients, 2, &cipher, NULL));
  EXPECT(smime_keyring_choose_cipher(ring, NULL, 2, &cipher, NULL), SMIME_RESULT_NULL_PARAMETER);
  smime_certificate_free(bob);

  /* The signer for alice's address; nobody has none; in 2100 alice has none either. */
  smime_identity *signer = NULL;
  OK(smime_keyring_signer_for(ring, "alice@example.com", policy, &signer));
  smime_certificate *signer_cert = NULL;
  OK(smime_identity_certificate(signer, &signer_cert));
  CHECK(has_address(signer_cert, "alice@example.com"));
  smime_certificate_free(signer_cert);
  smime_identity_free(signer);
  signer = NULL;
  EXPECT(smime_keyring_signer_for(ring, "nobody@example.com", NULL, &signer),
         SMIME_RESULT_KEYRING_NO_SIGNING_IDENTITY);
  CHECK(signer == NULL);
  EXPECT(smime_keyring_signer_for(ring, "alice@example.com", later, &signer),
         SMIME_RESULT_KEYRING_NO_SIGNING_IDENTITY);
  CHECK(strstr(smime_last_error_message(), "alice@example.com") != NULL);
  OK(smime_keyring_own_encryption_certificate(ring, "bob@example.com", policy, &c));
  CHECK(has_address(c, "bob@example.com"));
  smime_certificate_free(c);
  c = NULL;
  EXPECT(smime_keyring_own_encryption_certificate(ring, "carol@example.com", policy, &c),
         SMIME_RESULT_NOT_AVAILABLE);

  /* Exports: alice's certificates as a certs-only message, her identity as PKCS#12; both
   * import into a fresh keyring. */
  smime_bytes *published = NULL;
  OK(smime_keyring_export_certs_only(ring, "alice@example.com", &published));
  CHECK(strstr(smime_bytes_str(published), "certs-only") != NULL);
  char *alice_fp = fingerprint_of(alice);
  smime_bytes *exported = NULL;
  OK(smime_keyring_export_pkcs12(ring, alice_fp, "new-password", &exported));
  EXPECT(smime_keyring_export_pkcs12(ring, "00", "x", &exported), SMIME_RESULT_INVALID_ARGUMENT);
  smime_keyring *other = NULL;
  OK(smime_keyring_new(&other));
  size_t ids = 0;
  OK(smime_keyring_import_pkcs12(other, smime_bytes_data(exported), smime_bytes_len(exported),
                                 "new-password", &ids, NULL));
  CHECK(ids == 1);
  OK(smime_keyring_import_certs_only(other, smime_bytes_data(published),
                                     smime_bytes_len(published), &certs, NULL));
  CHECK(certs >= 1);
  /* An identity from a key file and a certificate file, and a bare certificate file. */
  unsigned char *carol_key = read_file(dir, "carol.key", &len);
  size_t carol_key_len = len;
  unsigned char *carol_pem = read_file(dir, "carol.pem", &len);
  EXPECT(smime_keyring_import_key_and_certificates(other, carol_key, carol_key_len, NULL,
                                                   smime_bytes_data(exported), 0, NULL, &ids, NULL),
         SMIME_RESULT_PARSE_EMPTY);
  OK(smime_keyring_import_key_and_certificates(other, carol_key, carol_key_len, NULL, carol_pem,
                                               len, "Carol", &ids, &certs));
  CHECK(ids == 1 && certs == 0);
  CHECK(identity_count(other) == 2);
  free(carol_key);
  free(carol_pem);
  unsigned char *dave_file = read_file(dir, "dave.pem", &len);
  OK(smime_keyring_import_certificates(other, dave_file, len, &certs));
  CHECK(certs == 1);
  CHECK(contact_count(other) == 1);
  free(dave_file);
  smime_keyring_free(other);
  smime_bytes_free(published);
  smime_bytes_free(exported);

  /* Removing carol by fingerprint; a second time nothing is removed. */
  char *carol_fp = fingerprint_of(carol);
  bool removed = false;
  OK(smime_keyring_remove(ring, carol_fp, &removed));
  CHECK(removed);
  OK(smime_keyring_remove(ring, carol_fp, &removed));
  CHECK(!removed);
  EXPECT(smime_keyring_remove(ring, "not a fingerprint", &removed), SMIME_RESULT_INVALID_ARGUMENT);
  CHECK(contact_count(ring) == 1);

  /* Save and load a file; a short key is refused, a wrong key is its own result. */
  uint8_t key[32], wrong[32];
  for (int i = 0; i < 32; i++) {
    key[i] = (uint8_t)i;
    wrong[i] = (uint8_t)(i + 1);
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/keyring-test.smk", dir);
  EXPECT(smime_keyring_save(ring, path, key, 31), SMIME_RESULT_INVALID_ARGUMENT);
  OK(smime_keyring_save(ring, path, key, sizeof key));
  smime_keyring *loaded = NULL;
  EXPECT(smime_keyring_load(path, wrong, sizeof wrong, NULL, &loaded), SMIME_RESULT_STORE_WRONG_KEY);
  CHECK(loaded == NULL);
  OK(smime_keyring_load(path, key, sizeof key, NULL, &loaded));
  CHECK(identity_count(loaded) == 2);
  CHECK(contact_count(loaded) == 1);
  OK(smime_keyring_signer_for(loaded, "alice@example.com", policy, &signer));
  smime_identity_free(signer);
  smime_keyring_free(loaded);
  loaded = NULL;

  /* The same through bytes the application stores itself; a damaged byte is refused. */
  smime_bytes *sealed = NULL;
  OK(smime_keyring_to_bytes(ring, key, sizeof key, &sealed));
  EXPECT(smime_keyring_from_bytes(smime_bytes_data(sealed), smime_bytes_len(sealed), wrong,
                                  sizeof wrong, NULL, &loaded),
         SMIME_RESULT_STORE_WRONG_KEY);
  OK(smime_keyring_from_bytes(smime_bytes_data(sealed), smime_bytes_len(sealed), key, sizeof key,
                              NULL, &loaded));
  CHECK(identity_count(loaded) == 2);
  smime_keyring_free(loaded);
  loaded = NULL;
  size_t sealed_len = smime_bytes_len(sealed);
  unsigned char *damaged = malloc(sealed_len);
  CHECK(damaged != NULL);
  memcpy(damaged, smime_bytes_data(sealed), sealed_len);
  damaged[sealed_len - 1] ^= 1;
  EXPECT(smime_keyring_from_bytes(damaged, sealed_len, key, sizeof key, NULL, &loaded),
         SMIME_RESULT_STORE_CORRUPTED);
  CHECK(loaded == NULL);
  free(damaged);
  smime_bytes_free(sealed);
  remove(path);

  free(alice_fp);
  free(carol_fp);
  smime_certificate_free(carol);
  smime_certificate_free(alice);
  smime_certificate_free(root);
  smime_certificate_free(intermediate);
  smime_policy_free(policy);
  smime_policy_free(later);
  smime_keyring_free(ring);
  smime_keyring_free(NULL);
  printf("keyring: ok\n");
  return 0;
}
