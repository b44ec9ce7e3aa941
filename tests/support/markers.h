#ifndef THREADKATA_TESTS_SUPPORT_MARKERS_H_
#define THREADKATA_TESTS_SUPPORT_MARKERS_H_

// The lines the test programs print for the tools to read, declared once for C++. The tools'
// declaration is tools/threadkata/markers.py; tools/threadkata/tests/test_markers.py checks
// that the two agree.

namespace threadkata::testing {

// Starts the line the watchdog prints before it ends a hung test program.
inline constexpr char kWatchdogMarker[] = "[  TIMEOUT ] ";

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_MARKERS_H_
