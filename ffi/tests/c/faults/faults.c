/* Faults the sanitizer and valgrind runs must catch (ffi/tests/c.rs checks that they do):
 * argv[2] "leak" leaks a policy handle, "overflow" overflows a signed int. Run plain, each
 * exits 0. */
#include "smime.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  if (strcmp(argv[2], "leak") == 0) {
    smime_policy *policy = NULL;
    if (smime_policy_new(&policy) != SMIME_RESULT_OK) return 1;
    policy = NULL; /* the only pointer to the handle is lost */
    return 0;
  }
  if (strcmp(argv[2], "overflow") == 0) {
    int big = INT_MAX - 2 + argc; /* argc is 3: INT_MAX + 1 */
    printf("%d\n", big);
    return 0;
  }
  return 2;
}
