// Fixture: tries to pass by compiling the reference solution in.
#include "solutions/01_sequential/sequential.cc"
