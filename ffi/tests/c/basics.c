/* The conventions every function follows: version, results, NULL arguments, the last error,
 * the panic boundary, smime_bytes, and the policy handle. */
#include "smime.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  char expected[64];
  snprintf(expected, sizeof expected, "%d.%d.%d", SMIME_VERSION_MAJOR, SMIME_VERSION_MINOR,
           SMIME_VERSION_PATCH);
  CHECK(strcmp(smime_version(), expected) == 0);

  /* A NULL out-parameter is refused before anything is made. */
  EXPECT(smime_policy_new(NULL), SMIME_RESULT_NULL_PARAMETER);
  CHECK(smime_last_error_code() == SMIME_RESULT_NULL_PARAMETER);
  CHECK(strstr(smime_last_error_message(), "NULL") != NULL);

  smime_policy *policy = NULL;
  OK(smime_policy_new(&policy));
  CHECK(policy != NULL);
  EXPECT(smime_policy_set_revocation(policy, 99), SMIME_RESULT_INVALID_ARGUMENT);
  CHECK(strstr(smime_last_error_message(), "smime_revocation_mode") != NULL);
  OK(smime_policy_set_revocation(policy, SMIME_REVOCATION_MODE_HARD_FAIL));
  bool cbc = false;
  OK(smime_policy_accepts_cbc(policy, &cbc));
  CHECK(cbc);
  OK(smime_policy_set_accept_cbc(policy, false));
  OK(smime_policy_accepts_cbc(policy, &cbc));
  CHECK(!cbc);
  EXPECT(smime_policy_accept_digest(NULL, SMIME_DIGEST_SHA1, true), SMIME_RESULT_NULL_PARAMETER);
  OK(smime_policy_accept_digest(policy, SMIME_DIGEST_SHA1, true));
  OK(smime_policy_set_time(policy, 1767225600));
  smime_policy_free(policy);
  smime_policy_free(NULL);

  /* A caught panic is a result, not a crash. */
  EXPECT(smime_test_panic(), SMIME_RESULT_PANIC);
  CHECK(strstr(smime_last_error_message(), "panic") != NULL);

  /* Result names come from the same table as the codes. */
  CHECK(strcmp(smime_result_name(SMIME_RESULT_OK), "SMIME_RESULT_OK") == 0);
  CHECK(strcmp(smime_result_name(SMIME_RESULT_PARSE_EMPTY), "SMIME_RESULT_PARSE_EMPTY") == 0);
  CHECK(smime_result_name(99999) == NULL);

  /* smime_bytes accessors accept NULL. */
  CHECK(smime_bytes_len(NULL) == 0);
  CHECK(smime_bytes_data(NULL) == NULL);
  smime_bytes_free(NULL);

  /* Bad input is a typed error: an empty certificate, and garbage. */
  smime_certificate *cert = NULL;
  EXPECT(smime_certificate_from_der(NULL, 0, &cert), SMIME_RESULT_PARSE_EMPTY);
  EXPECT(smime_certificate_from_der(NULL, 5, &cert), SMIME_RESULT_NULL_PARAMETER);
  const uint8_t junk[] = {0x30, 0x82, 0xff, 0xff, 0x01};
  CHECK(smime_certificate_from_der(junk, sizeof junk, &cert) != SMIME_RESULT_OK);
  CHECK(cert == NULL);
  smime_certificate_free(NULL);

  puts("basics: ok");
  return 0;
}
