/* Objective-C imports the library as a module (include/module.modulemap) and calls it: the
 * check that the header and the module map compile for iOS. Built with
 * `clang -target arm64-apple-ios -fmodules -fsyntax-only -ffreestanding -nostdlibinc`, which
 * needs no iOS SDK (ffi/tests/c.rs, module_compiles_for_ios); a root class stands in for
 * NSObject. */
@import smime;

__attribute__((objc_root_class))
@interface SmimeCheck
+ (int)run;
@end

@implementation SmimeCheck
+ (int)run {
  if (smime_version() == NULL) return 1;
  smime_policy *policy = NULL;
  if (smime_policy_new(&policy) != SMIME_RESULT_OK) return 1;
  smime_result r = smime_policy_set_revocation(policy, SMIME_REVOCATION_MODE_HARD_FAIL);
  smime_policy_free(policy);
  if (r != SMIME_RESULT_OK) return 1;
  if (smime_test_panic() != SMIME_RESULT_PANIC) return 1;
  const char *name = smime_result_name(SMIME_RESULT_PARSE_EMPTY);
  return name != NULL && smime_last_error_message() != NULL ? 0 : 1;
}
@end

int smime_objc_check(void) { return [SmimeCheck run]; }
