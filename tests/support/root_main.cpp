// main() of the root test tiers: skip (77) without root, fail under CI=true.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/test_support.h"

int main(int argc, char** argv) {
    spoor::test::require_root(SPOOR_TEST_TIER);
    return doctest::Context(argc, argv).run();
}
