// The header as C++17: it compiles without a warning (-Wall -Wextra -Werror -pedantic), its
// declarations have C linkage (this program links against the static library), and its enums
// and result codes are usable as C++ constants.
#include "smime.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace {

struct PolicyFree {
  void operator()(smime_policy *p) const { smime_policy_free(p); }
};

int fail(const char *what) {
  std::fprintf(stderr, "header.cpp: %s (%s)\n", what, smime_last_error_message());
  return 1;
}

}  // namespace

int main() {
  static_assert(SMIME_RESULT_OK == 0, "OK is zero");
  constexpr smime_revocation_mode mode = SMIME_REVOCATION_MODE_HARD_FAIL;
  static_assert(sizeof(smime_result) == 4, "results are uint32_t");

  std::string expected = std::to_string(SMIME_VERSION_MAJOR) + "." +
                         std::to_string(SMIME_VERSION_MINOR) + "." +
                         std::to_string(SMIME_VERSION_PATCH);
  if (expected != smime_version()) return fail("version");

  smime_policy *raw = nullptr;
  if (smime_policy_new(&raw) != SMIME_RESULT_OK) return fail("policy_new");
  std::unique_ptr<smime_policy, PolicyFree> policy(raw);
  if (smime_policy_set_revocation(policy.get(), mode) != SMIME_RESULT_OK) {
    return fail("set_revocation");
  }
  if (smime_policy_set_revocation(policy.get(), 42) != SMIME_RESULT_INVALID_ARGUMENT) {
    return fail("an unknown mode is refused");
  }
  if (smime_policy_new(nullptr) != SMIME_RESULT_NULL_PARAMETER) return fail("NULL out");
  if (smime_test_panic() != SMIME_RESULT_PANIC) return fail("panic boundary");
  if (std::strcmp(smime_result_name(SMIME_RESULT_PANIC), "SMIME_RESULT_PANIC") != 0) {
    return fail("result name");
  }
  std::puts("header.cpp: ok");
  return 0;
}
