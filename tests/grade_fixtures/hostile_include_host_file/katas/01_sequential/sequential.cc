// Fixture: tries to read a host file into the report through the compiler's messages. The file
// is not C++, so compiling it fails and the compiler would quote its lines.
#include "/etc/passwd"
