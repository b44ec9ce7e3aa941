// Fixture: names a host file in a line directive, spelled with the digraph %: so that it does
// not look like one, and makes the next lines fail: the compiler quotes "their" lines from
// that file.
// clang-format off
#include "katas/01_sequential/sequential.h"
%:line 1 "/etc/passwd"
a b c;
a b c;
