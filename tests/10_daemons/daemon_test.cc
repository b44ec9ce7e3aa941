// Lesson 10 tests: a periodic daemon that ticks at its interval and stops at once, and, in
// child processes, the difference between a daemon and a non-daemon worker at program exit.

#include "katas/10_daemons/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/concurrency_gauge.h"
#include "tests/support/deadline.h"
#include "tests/support/event_log.h"
#include "tests/support/idle_meter.h"
#include "tests/support/interleave/interleave.h"
#include "tests/support/property.h"
#include "tests/support/thread_census.h"
#include "tests/support/time_unit.h"
#include "tests/support/wall_clock/wall_clock.h"

extern char** environ;

namespace threadkata {
namespace {

using testing::Clock;
using testing::ConcurrencyGauge;
using testing::CurrentThreadId;
using testing::DescribeDuration;
using testing::Duration;
using testing::EventLog;
using testing::FinishesWithin;
using testing::IdleMeter;
using testing::LingerAtThreadExit;
using testing::SlowSynchronisation;
using testing::Stopwatch;
using testing::ThreadCensus;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

constexpr char kTickLine[] = "Daemon thread is running...";
constexpr char kMainExitsLine[] = "Main program exits, daemon thread will terminate now.";
constexpr char kMainDoneLine[] = "Main program's work is done.";
constexpr char kWorkerDoneLine[] = "Worker finished its work.";
// Marks the child program's own lines among the lines its test framework prints.
constexpr std::string_view kProgramMark = "| ";

// Counts ticks, and lets a test wait for the n-th one instead of sleeping and hoping.
// Thread-safe.
class TickCounter {
 public:
  void Tick() {
    {
      std::lock_guard lock(mutex_);
      ++count_;
    }
    ticked_.notify_all();
  }

  int Count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }

  // True once `n` ticks have happened; false if they have not after `limit`.
  bool WaitFor(int n, Duration limit) {
    std::unique_lock lock(mutex_);
    return ticked_.wait_for(lock, limit, [&] { return count_ >= n; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ticked_;
  int count_ = 0;
};

constexpr char kNoFirstTick[] =
    "no tick within 5 units of starting a daemon with a 10-unit interval: the constructor must "
    "start a thread that ticks right away, before its first wait (the seed prints, then sleeps)";

constexpr char kStopHint[] =
    "Does the daemon's loop end when a stop is requested? A wait that is not given the "
    "std::stop_token, or a loop that never checks it, runs forever.";

TEST(PeriodicDaemon, TicksRightAway) {
  TickCounter ticks;
  PeriodicDaemon daemon(Units(10), [&ticks] { ticks.Tick(); });
  EXPECT_TRUE(ticks.WaitFor(1, Units(5))) << kNoFirstTick;
  FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon.stop(); });
}

// Pins "no tick starts once stop() has been called" for a stop that comes before the daemon's
// thread has begun: its first tick is no exception. The thread is held at its start (see
// tests/support/interleave) until stop() has asked it to stop; a loop that ticks first and
// checks the stop only after its wait (a do-while) ticks once all the same.
TEST(PeriodicDaemon, AStopBeforeTheThreadBeginsMeansNoTick) {
  TickCounter ticks;
  testing::HeldThreadStarts held(Units(3));
  PeriodicDaemon daemon(Units(10), [&ticks] { ticks.Tick(); });
  // On this thread: a helper thread (FinishesWithin) would be held too. The test program's
  // watchdog ends a hang.
  daemon.stop();
  EXPECT_EQ(held.GaveUp(), 1) << "the daemon's thread began before stop() was called";
  EXPECT_EQ(ticks.Count(), 0)
      << "stop() was called before the daemon's thread began, yet it ticked: check the stop "
         "token before every tick, the first one too (a while loop, not a do-while that checks "
         "only after the wait)";
}

TEST(PeriodicDaemon, TicksOncePerInterval) {
  TickCounter ticks;
  const Stopwatch stopwatch;
  {
    PeriodicDaemon daemon(Units(1), [&ticks] { ticks.Tick(); });
    std::this_thread::sleep_for(Units(5.5));
  }
  const Duration elapsed = stopwatch.Elapsed();
  // Ticks come at 0, 1, 2, ... units at the earliest, since a wait never ends early.
  const int most = static_cast<int>(elapsed / Units(1)) + 1;
  // Far too many ticks: waits that end at once. One or two too many: a tick after the wait
  // that the destructor's stop ended.
  const bool back_to_back = ticks.Count() > 2 * most;
  EXPECT_LE(ticks.Count(), most)
      << ticks.Count() << " ticks in " << DescribeDuration(elapsed)
      << " with a 1-unit interval, where at most " << most << " fit: "
      << (back_to_back
              ? "the daemon ticks back to back, so its waits end at once. Did the interval "
                "become 0 on the way (cast to whole seconds?), does the thread read it through "
                "a reference to the constructor's parameter, gone once the constructor "
                "returned (capture it by value), or is every wait given the same deadline, "
                "computed once before the loop? Wait `interval` afresh after each tick"
              : "a tick too many. Did the daemon tick after the wait that the destructor's "
                "stop() ended? Check the stop token after each wait, before ticking");
  EXPECT_GE(ticks.Count(), 3)
      << "only " << ticks.Count() << " ticks in 5.5 units with a 1-unit interval (about 6 "
      << "expected): does the loop tick again after each wait, and does the wait end at the "
         "interval, not only at a stop request?";
}

TEST(PeriodicDaemon, StopInterruptsTheWait) {
  TickCounter ticks;
  PeriodicDaemon daemon(Units(10), [&ticks] { ticks.Tick(); });
  ASSERT_TRUE(ticks.WaitFor(1, Units(5))) << kNoFirstTick;
  std::this_thread::sleep_for(Units(1));
  const Stopwatch stopwatch;
  FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon.stop(); });
  EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(2)))
      << "stop() 1 unit into a 10-unit wait should return at once: the daemon slept through "
         "the stop request. std::this_thread::sleep_for cannot be interrupted; wait on a "
         "std::condition_variable_any with the std::stop_token instead";
  EXPECT_EQ(ticks.Count(), 1) << "the daemon ticked again when it was stopped: after its wait "
                                 "ends, check the stop_token before ticking";
}

// Pins "A wait between ticks ends at once" for a stop requested at any step between a tick and
// the wait after it. The daemon's thread sleeps 1 unit before each mutex lock and before each
// condition-variable wait (tests/support/interleave), and stop() comes during the first,
// second or third such sleep after the first tick: a wake-up sent then by a notifier that does
// not hold the mutex the daemon is about to take, or that the wait holds, reaches no waiter,
// in every run, not once in a million. The test's own thread only polls meanwhile.
TEST(PeriodicDaemon, AStopAtAnyStepBeforeTheWaitIsNotLost) {
  for (int step = 1; step <= 3; ++step) {
    std::atomic<int> ticks{0};
    std::atomic<int> steps_at_first_tick{-1};
    const SlowSynchronisation slow(Units(1), 1);
    PeriodicDaemon daemon(Units(20), [&] {
      if (ticks.fetch_add(1) == 0) steps_at_first_tick = slow.Steps();
    });
    // A daemon that reached its wait takes no more steps: stop it there after 5 units.
    const Stopwatch waiting;
    while ((steps_at_first_tick < 0 || slow.Steps() < steps_at_first_tick + step) &&
           waiting.Elapsed() < Units(5)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_GE(ticks.load(), 1) << kNoFirstTick;
    const Stopwatch stopwatch;
    FinishesWithin(Units(60), "PeriodicDaemon::stop()", kStopHint, [&] { daemon.stop(); });
    EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(10)))
        << "stop() came at step " << step
        << " between the first tick and the wait after it (a mutex lock, or the wait itself), "
           "and the daemon slept through its whole 20-unit interval: the wake-up was lost. A "
           "std::stop_callback that notifies without holding the wait's mutex notifies nobody "
           "while the daemon is between its check and its wait; so does a stop checked before "
           "the mutex is taken. Lock the mutex in the callback before notifying and check the "
           "stop under that mutex, or let std::condition_variable_any wait with the "
           "std::stop_token itself (wait_for(lock, stop_token, interval, predicate))";
    EXPECT_EQ(ticks.load(), 1) << "the daemon ticked again after stop() had been called";
  }
}

TEST(PeriodicDaemon, DestructorStopsItPromptly) {
  TickCounter ticks;
  std::optional<PeriodicDaemon> daemon;
  daemon.emplace(Units(10), [&ticks] { ticks.Tick(); });
  ASSERT_TRUE(ticks.WaitFor(1, Units(5))) << kNoFirstTick;
  const Stopwatch stopwatch;
  FinishesWithin(Units(30), "~PeriodicDaemon()", kStopHint, [&] { daemon.reset(); });
  EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(2)))
      << "destroying a daemon in the middle of its 10-unit wait should stop it at once: the "
         "destructor must stop the daemon as stop() does, and the wait must end on a stop "
         "request";
}

TEST(PeriodicDaemon, StopFinishesTheRunningTickAndNoTickFollows) {
  EventLog log;
  TickCounter ticks;
  PeriodicDaemon daemon(Units(0.5), [&] {
    ticks.Tick();
    if (ticks.Count() == 1) {
      std::this_thread::sleep_for(Units(1));
      log.Record("first tick returned");
    }
  });
  ASSERT_TRUE(ticks.WaitFor(1, Units(5))) << kNoFirstTick;
  FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon.stop(); });
  log.Record("stop returned");
  const int ticks_at_stop = ticks.Count();
  std::this_thread::sleep_for(Units(1.5));

  const auto tick_returned = log.IndexOf("first tick returned");
  const auto stop_returned = log.IndexOf("stop returned");
  EXPECT_TRUE(tick_returned && stop_returned && *tick_returned < *stop_returned)
      << "stop() returned while a tick was still running (" << log.ToString()
      << "): stop() must join the daemon's thread. A detached thread runs on, and its tick "
         "may use objects that no longer exist";
  EXPECT_EQ(ticks_at_stop, 1) << "a new tick started after stop() was called: check the "
                                 "stop_token before each tick";
  EXPECT_EQ(ticks.Count(), ticks_at_stop) << "the daemon ticked after stop() had returned";
}

TEST(PeriodicDaemon, StopCanBeCalledTwice) {
  TickCounter ticks;
  PeriodicDaemon daemon(Units(10), [&ticks] { ticks.Tick(); });
  FinishesWithin(Units(30), "PeriodicDaemon::stop() twice",
                 "The second call must find nothing left to do.", [&] {
                   daemon.stop();
                   daemon.stop();
                 });
}

// Pins "Starts a thread that calls tick()" and "`tick` runs on the daemon's own thread, never
// on two threads at once": every tick, the first one too, runs on the one thread the
// constructor started.
TEST(PeriodicDaemon, TicksOnlyOnItsOwnThread) {
  const ThreadCensus census;
  std::mutex mutex;
  std::vector<pid_t> ran_on;
  ConcurrencyGauge gauge;
  TickCounter ticks;
  {
    PeriodicDaemon daemon(Units(0.2), [&] {
      const auto running = gauge.Enter();
      {
        std::lock_guard lock(mutex);
        ran_on.push_back(CurrentThreadId());
      }
      ticks.Tick();
    });
    const std::set<pid_t> started = census.NewThreads();
    ASSERT_TRUE(ticks.WaitFor(4, Units(20))) << "fewer than 4 ticks in 20 units with a 0.2-unit "
                                                "interval: does the daemon tick again after "
                                                "each wait?";
    FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon.stop(); });
    std::lock_guard lock(mutex);
    ASSERT_NE(ran_on.front(), CurrentThreadId())
        << "the first tick ran on the thread that constructed the daemon: every tick, the "
           "first one too, must run on the daemon's own thread";
    EXPECT_TRUE(started.contains(ran_on.front()))
        << "the first tick did not run on the thread the constructor started";
    EXPECT_EQ(std::count(ran_on.begin(), ran_on.end(), ran_on.front()),
              static_cast<long>(ran_on.size()))
        << "the ticks ran on several threads: one thread ticks, waits, and ticks again; do not "
           "start a thread per tick";
  }
  EXPECT_EQ(gauge.HighWaterMark(), 1) << "two ticks ran at the same time";
}

// Pins stop() "blocks until its thread has ended", and the destructor stopping it "as stop()
// does": when either returns, the daemon's thread is gone. The thread lingers a unit at its
// exit, so a thread that was detached, not joined, is still running then.
// Pins "`tick` runs on the daemon's own thread" for two daemons: a long tick of one delays
// neither the other's ticks nor its stop(). A mutex or a flag shared by every daemon (a static)
// and held while tick() runs makes them take turns.
TEST(PeriodicDaemon, ALongTickInOneDaemonDelaysNoOther) {
  std::promise<void> gate;
  std::atomic<bool> began{false};
  std::latch long_tick_began(1);
  PeriodicDaemon slow(Units(1), [&, go = gate.get_future().share()] {
    if (!began.exchange(true)) long_tick_began.count_down();
    go.wait();
  });
  long_tick_began.wait();
  std::atomic<int> ticks{0};
  std::optional<PeriodicDaemon> other(std::in_place, Units(0.5), [&ticks] { ++ticks; });
  const Stopwatch stopwatch;
  while (ticks < 3 && stopwatch.Elapsed() < Units(10)) std::this_thread::sleep_for(Units(0.1));
  const int ticked = ticks;
  if (ticked >= 3) {
    FinishesWithin(Units(30), "stop() of one daemon while another daemon's tick runs",
                   "did stop() wait for another daemon's tick?", [&] { other.reset(); });
  }
  gate.set_value();
  EXPECT_GE(ticked, 3)
      << "a daemon ticked " << ticked << " times in 10 units while another daemon's tick ran: "
      << "a daemon must not wait for another's tick. Did you share one mutex or flag among all "
         "daemons (a static), held while tick() runs? Give each daemon its own";
}

// Pins "again `interval` after each call returned" whatever the wall clock does: it is set back
// an hour while the daemon runs (tests/support/wall_clock). A wait until a time on
// system_clock then lasts that hour more, and the ticks stop.
TEST(PeriodicDaemon, WaitsOnTheSteadyClock) {
  std::atomic<int> ticks{0};
  testing::TimeWhileTheWallClockIsSetBack(Units(0.5), Units(30), "5 units of a daemon", [&] {
    PeriodicDaemon daemon(Units(1), [&ticks] { ++ticks; });
    std::this_thread::sleep_for(Units(5));
  });
  EXPECT_GE(ticks.load(), 3)
      << "a daemon with a 1-unit interval ticked " << ticks.load()
      << " times in 5 units while the wall clock was set back an hour: time the wait between "
         "ticks on std::chrono::steady_clock (wait_for, or wait_until with a steady_clock "
         "deadline)";
}

TEST(PeriodicDaemon, StopAndDestructorLeaveNoThreadRunning) {
  for (const bool by_destructor : {false, true}) {
    const ThreadCensus census;
    TickCounter ticks;
    {
      PeriodicDaemon daemon(Units(10), [&ticks] {
        LingerAtThreadExit(Units(1));
        ticks.Tick();
      });
      ASSERT_TRUE(ticks.WaitFor(1, Units(5))) << kNoFirstTick;
      if (!by_destructor) {
        FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon.stop(); });
        EXPECT_TRUE(census.NoThreadLeftRunning("PeriodicDaemon::stop()"))
            << "stop() must join() the daemon's thread, not detach it";
      }
    }
    if (by_destructor) {
      EXPECT_TRUE(census.NoThreadLeftRunning("~PeriodicDaemon()"))
          << "the destructor must stop the daemon as stop() does, joining its thread "
             "(std::jthread's destructor does), not detach it";
    }
  }
}

// Pins "a tick already running is finished first, and no tick starts once stop() has been
// called" together with "stop() returns in far less than one interval", for a stop requested
// while a tick runs: a notification sent then finds nobody waiting and is lost, so a wait that
// does not check the stop request sleeps the whole interval. By stop() and by the destructor.
TEST(PeriodicDaemon, StopDuringATickReturnsWhenTheTickDoes) {
  for (const bool by_destructor : {false, true}) {
    EventLog log;
    TickCounter ticks;
    std::optional<PeriodicDaemon> daemon;
    daemon.emplace(Units(20), [&] {
      ticks.Tick();
      if (ticks.Count() == 1) {
        std::this_thread::sleep_for(Units(3));
        log.Record("first tick returned");
      }
    });
    ASSERT_TRUE(ticks.WaitFor(1, Units(5))) << kNoFirstTick;
    const Stopwatch stopwatch;
    FinishesWithin(Units(30), by_destructor ? "~PeriodicDaemon()" : "PeriodicDaemon::stop()",
                   kStopHint, [&] {
                     if (by_destructor) {
                       daemon.reset();
                     } else {
                       daemon->stop();
                     }
                   });
    const Duration took = stopwatch.Elapsed();
    log.Record("stop returned");
    EXPECT_EQ(log.Events(), (std::vector<std::string>{"first tick returned", "stop returned"}))
        << (by_destructor ? "~PeriodicDaemon()" : "stop()")
        << " returned while a tick was still running: join the daemon's thread";
    EXPECT_TRUE(TookLessThan(took, Units(8)))
        << (by_destructor ? "~PeriodicDaemon()" : "stop()")
        << ", called during a 3-unit tick of a daemon with a 20-unit interval, waited out the "
           "interval after the tick: the stop request came while nobody waited, and the wait "
           "that followed did not see it. Wait with the std::stop_token (or a predicate that "
           "checks stop_requested()), so that a stop requested earlier ends the wait at once";
    EXPECT_EQ(ticks.Count(), 1) << "a tick started after the stop request";
  }
}

// Pins "again `interval` after each call returned": the interval counts from the end of each
// tick, not from its start (not a fixed rate).
TEST(PeriodicDaemon, WaitsAWholeIntervalAfterEachTickReturns) {
  std::mutex mutex;
  std::vector<std::pair<Clock::time_point, Clock::time_point>> ran;  // start, end
  TickCounter ticks;
  PeriodicDaemon daemon(Units(1), [&] {
    const Clock::time_point start = Clock::now();
    std::this_thread::sleep_for(Units(0.5));
    {
      std::lock_guard lock(mutex);
      ran.emplace_back(start, Clock::now());
    }
    ticks.Tick();
  });
  ASSERT_TRUE(ticks.WaitFor(3, Units(30))) << "fewer than 3 ticks in 30 units with a 1-unit "
                                              "interval and 0.5-unit ticks";
  FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon.stop(); });
  std::lock_guard lock(mutex);
  for (std::size_t k = 1; k < ran.size(); ++k) {
    EXPECT_TRUE(TookAtLeast(ran[k].first - ran[k - 1].second, Units(1)))
        << "tick " << k + 1 << " started less than the 1-unit interval after tick " << k
        << " returned: wait the whole interval after each tick returns, as the seed's "
           "\"do something, then sleep(interval)\" does, not at a fixed rate from the first "
           "tick";
  }
}

// Pins "then again `interval` after each call returned" through spurious wake-ups: the first two
// waits of the daemon's thread end at once with nobody having notified (tests/support/interleave),
// which POSIX and the C++ standard allow. A wait without a predicate, or with one that the
// wake-up alone satisfies, ticks early.
TEST(PeriodicDaemon, ASpuriousWakeUpDoesNotShortenTheInterval) {
  std::mutex mutex;
  std::vector<std::pair<Clock::time_point, Clock::time_point>> ran;  // start, end
  TickCounter ticks;
  std::optional<PeriodicDaemon> daemon;
  {
    const testing::SpuriousWakeups spurious(2, testing::SpuriousWakeups::Threads::kNewOnes);
    daemon.emplace(Units(1), [&] {
      const Clock::time_point start = Clock::now();
      {
        std::lock_guard lock(mutex);
        ran.emplace_back(start, Clock::now());
      }
      ticks.Tick();
    });
    ASSERT_TRUE(ticks.WaitFor(3, Units(30))) << "fewer than 3 ticks in 30 units with a 1-unit "
                                                "interval";
  }
  FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon->stop(); });
  std::lock_guard lock(mutex);
  for (std::size_t k = 1; k < ran.size(); ++k) {
    EXPECT_TRUE(TookAtLeast(ran[k].first - ran[k - 1].second, Units(1)))
        << "tick " << k + 1 << " started less than the 1-unit interval after tick " << k
        << " returned, when the daemon's wait woke up with nobody having notified (a spurious "
           "wake-up, which any wait may have): wait again until the interval is up, e.g. "
           "wait_for(lock, stop_token, interval, predicate) with a predicate that only a stop "
           "makes true";
  }
}

// Pins "then again `interval` after each call returned" (not later) when a wait between two
// ticks wakes up late with nobody having notified: each of the daemon thread's first two waits
// that would last longer than 0.9 unit ends then (tests/support/interleave). Waiting until one
// deadline (wait_for with a predicate, or wait_until) ticks 1 unit after the tick returned; a
// fresh wait_for(interval) after each wake-up restarts the interval and ticks 2.8 units after it
// at the earliest, since a wait never ends early.
TEST(PeriodicDaemon, ALateSpuriousWakeUpDoesNotRestartTheInterval) {
  std::mutex mutex;
  std::vector<std::pair<Clock::time_point, Clock::time_point>> ran;  // start, end
  TickCounter ticks;
  std::optional<PeriodicDaemon> daemon;
  int woken = 0;
  {
    const testing::SpuriousWakeups spurious(2, testing::SpuriousWakeups::Threads::kNewOnes,
                                            Units(0.9));
    daemon.emplace(Units(1), [&] {
      const Clock::time_point start = Clock::now();
      {
        std::lock_guard lock(mutex);
        ran.emplace_back(start, Clock::now());
      }
      ticks.Tick();
    });
    ASSERT_TRUE(ticks.WaitFor(2, Units(30))) << "fewer than 2 ticks in 30 units with a 1-unit "
                                                "interval";
    woken = spurious.Woken();
  }
  FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon->stop(); });
  EXPECT_GE(woken, 1) << "the daemon did not wait on a condition variable between its ticks";
  std::lock_guard lock(mutex);
  const testing::Duration gap = ran[1].first - ran[0].second;
  EXPECT_TRUE(TookLessThan(gap, Units(2.5)))
      << "tick 2 started " << testing::DescribeDuration(gap)
      << " after tick 1 returned, with a 1-unit interval, when the daemon's wait woke up after "
         "0.9 unit with nobody having notified (a spurious wake-up): it waited the whole "
         "interval again from there. Compute when the next tick is due once and wait until "
         "then (wait_for(lock, stop_token, interval, predicate) does), not wait_for(interval) "
         "in a loop";
}

// Pins "then again `interval` after each call returned" for an interval below a millisecond: an
// interval cast to whole milliseconds (or seconds) on its way to the wait becomes 0, and the
// daemon ticks as fast as it can. A wait never ends early on the steady clock, so the right
// daemon always leaves 0.9 ms between a tick's end and the next tick's start.
TEST(PeriodicDaemon, WaitsAFractionOfAMillisecondToo) {
  constexpr auto kInterval = std::chrono::microseconds(900);
  constexpr int kTicks = 10;
  std::mutex mutex;
  std::vector<std::pair<Clock::time_point, Clock::time_point>> ran;  // start, end
  TickCounter ticks;
  PeriodicDaemon daemon(kInterval, [&] {
    const Clock::time_point start = Clock::now();
    {
      std::lock_guard lock(mutex);
      ran.emplace_back(start, Clock::now());
    }
    ticks.Tick();
  });
  ASSERT_TRUE(ticks.WaitFor(kTicks, Units(30)))
      << "fewer than " << kTicks << " ticks in 30 units with a 0.9 ms interval";
  FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon.stop(); });
  std::lock_guard lock(mutex);
  for (std::size_t k = 1; k < ran.size(); ++k) {
    ASSERT_TRUE(TookAtLeast(ran[k].first - ran[k - 1].second, kInterval))
        << "tick " << k + 1 << " started less than the 0.9 ms interval after tick " << k
        << " returned: an interval cast to whole milliseconds (duration_cast<milliseconds>, or "
           "seconds) loses its fraction, here all of it. Hand `interval` to the wait as it is";
  }
}

// Pins "A wait between ticks": between its ticks the daemon's thread sleeps. A loop of short
// sleeps that checks the stop token also stops at once, but it wakes hundreds of times a
// second for nothing.
TEST(PeriodicDaemon, SleepsBetweenTicks) {
  const ThreadCensus census;
  TickCounter ticks;
  PeriodicDaemon daemon(Units(20), [&ticks] { ticks.Tick(); });
  const std::set<pid_t> thread = census.NewThreads();
  ASSERT_TRUE(ticks.WaitFor(1, Units(5))) << kNoFirstTick;
  std::this_thread::sleep_for(Units(0.5));
  const IdleMeter meter(thread);
  std::this_thread::sleep_for(Units(3));
  EXPECT_TRUE(meter.StayedAsleep("the daemon between two ticks"))
      << "Wait once per interval on a std::condition_variable_any with the std::stop_token: "
         "the stop request wakes it";
  FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon.stop(); });
}

// For random intervals and stop times: stop() returns promptly, and the ticks never come
// faster than the interval allows.
THREADKATA_PROP(PeriodicDaemon, StopsPromptlyAndNeverTicksFasterThanItsInterval, ()) {
  const Duration interval = Units(0.25 * *rc::gen::inRange(1, 17));
  const Duration stop_after = Units(0.25 * *rc::gen::inRange(0, 7));
  TickCounter ticks;
  const Stopwatch lifetime;
  PeriodicDaemon daemon(interval, [&ticks] { ticks.Tick(); });
  std::this_thread::sleep_for(stop_after);
  const Stopwatch stopping;
  FinishesWithin(Units(30), "PeriodicDaemon::stop()", kStopHint, [&] { daemon.stop(); });
  const Duration stop_took = stopping.Elapsed();
  const Duration lived = lifetime.Elapsed();

  if (stop_took >= Units(2)) {
    RC_FAIL("stop() took " + DescribeDuration(stop_took) +
            ": the daemon slept through the stop request");
  }
  if (ticks.Count() > lived / interval + 1) {
    RC_FAIL(std::to_string(ticks.Count()) + " ticks in " + DescribeDuration(lived) +
            ": more than the interval allows");
  }
}

// How a child process ended.
struct ChildRun {
  bool exited = false;             // False: still running at the limit, and killed.
  int exit_code = -1;              // When it exited normally.
  int signal = 0;                  // When a signal ended it.
  Duration elapsed{};              // From start to exit, as seen by the parent.
  std::vector<std::string> lines;  // The lines the child program printed, without the mark.
};

// Starts this test binary again as a child process that runs only ChildProgram.DISABLED_<name>
// (below), waits for it at most `limit`, and kills it if it is still running then. The child
// is linked with the same implementation as the tests, so it runs the code under test.
ChildRun RunChild(const std::string& name, Duration limit) {
  ChildRun run;
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string output = std::string(tmp != nullptr ? tmp : "/tmp") + "/child_" + name;
  const std::string filter = "--gtest_filter=ChildProgram.DISABLED_" + name;
  std::vector<std::string> args = {"/proc/self/exe", "--gtest_also_run_disabled_tests", filter};
  // The child must not write the files Bazel gave the parent test, nor run only its shard's
  // share of the tests (the filter would then often select none).
  std::vector<std::string> env;
  std::string tsan_options = "TSAN_OPTIONS=";
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry = *e;
    if (entry.starts_with("XML_OUTPUT_FILE=") || entry.starts_with("TEST_PREMATURE_EXIT_FILE=") ||
        entry.starts_with("GTEST_OUTPUT=") || entry.starts_with("GTEST_SHARD_INDEX=") ||
        entry.starts_with("GTEST_TOTAL_SHARDS=") || entry.starts_with("TEST_SHARD_STATUS_FILE=")) {
      continue;
    }
    if (entry.starts_with(tsan_options)) {
      tsan_options = std::string(entry) + ":";
      continue;
    }
    env.emplace_back(entry);
  }
  // ThreadSanitizer sleeps 1 s at exit while other threads still run, which would keep the
  // child of a detached worker alive as long as a joined one.
  env.push_back(tsan_options + "atexit_sleep_ms=0");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const Stopwatch stopwatch;
  pid_t pid = 0;
  const int error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    ADD_FAILURE() << "could not start the child process: posix_spawn returned " << error;
    return run;
  }

  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (stopwatch.Elapsed() >= limit) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      run.elapsed = stopwatch.Elapsed();
      return run;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  run.elapsed = stopwatch.Elapsed();
  run.exited = true;
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  std::ifstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(kProgramMark)) run.lines.push_back(line.substr(kProgramMark.size()));
  }
  return run;
}

std::string Describe(const ChildRun& run) {
  std::string text = "exit code " + std::to_string(run.exit_code) + ", signal " +
                     std::to_string(run.signal) + ", output:";
  for (const std::string& line : run.lines) text += "\n  " + line;
  return text;
}

// The programs the ChildProcess tests run in a child process. Disabled, so that only RunChild
// runs them. Each body plays main(): when it returns, the child's main() returns and the
// process exits, ending whatever threads are left.
void PrintLine(const char* line) { std::printf("%s%s\n", kProgramMark.data(), line); }

// Pins "Runs work() on a new thread" when that thread begins late: `work` is a parameter, gone
// once start_non_daemon has returned, so the thread must run its own copy of it (moved into the
// std::jthread), not a reference to the parameter. Under ThreadSanitizer, a call through the
// destroyed std::function is a use after free.
TEST(StartNonDaemon, TheThreadRunsItsOwnWorkAlsoWhenItBeginsLate) {
  const std::string payload(200, 'w');
  std::string seen;
  std::jthread worker;
  {
    testing::HeldThreadStarts held(Units(30));
    worker = start_non_daemon([payload, &seen] { seen = payload; });
    // The std::function argument is destroyed by now, and the thread has not begun.
    const std::string reuse(200, 'x');
    held.Release();
    worker.join();
    EXPECT_EQ(reuse.size(), 200u);
  }
  EXPECT_EQ(seen, payload)
      << "the worker did not run the work it was given: capture `work` by value or move it into "
         "the std::jthread (std::jthread(std::move(work))), never by reference: the parameter is "
         "destroyed when start_non_daemon returns, which may be before the thread begins";
}

// Pins "The returned std::jthread joins it when destroyed, so ... leaving any scope that owns
// it waits until work() has returned", also when the scope ends before the thread has begun:
// the std::jthread's destructor asks its thread to stop before it joins, and work that is
// skipped, or cut short, on a stop request never runs.
TEST(StartNonDaemon, TheWorkRunsWhenItsThreadIsDestroyedBeforeItBegins) {
  std::atomic<int> ran{0};
  {
    testing::HeldThreadStarts held(Units(2));
    const std::jthread worker = start_non_daemon([&ran] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 1)
      << "the returned std::jthread was destroyed before its thread began, and the work did "
         "not run: a non-daemon's work runs to its end whatever stop is requested. Give "
         "std::jthread the work itself (std::jthread(std::move(work))), not a function that "
         "checks its stop_token";
}

TEST(ChildProgram, DISABLED_WithADaemon) {
  PeriodicDaemon daemon(Units(40), [] { PrintLine(kTickLine); });
  std::this_thread::sleep_for(Units(1));
  PrintLine(kMainExitsLine);
}

TEST(ChildProgram, DISABLED_WithANonDaemonWorker) {
  const std::jthread worker = start_non_daemon([] {
    std::this_thread::sleep_for(Units(4));
    PrintLine(kWorkerDoneLine);
  });
  std::this_thread::sleep_for(Units(1));
  PrintLine(kMainDoneLine);
}

TEST(ChildProcess, ExitsWhenItsMainWorkEndsAlthoughItsDaemonRunsForever) {
  const ChildRun run = RunChild("WithADaemon", Units(60));
  ASSERT_TRUE(run.exited)
      << "the child was still running 60 units after it started, though its main work takes "
         "1 unit: its daemon kept it alive. ~PeriodicDaemon() must stop the daemon, and the "
         "daemon's wait must end on a stop request";
  EXPECT_TRUE(run.exit_code == 0 && run.signal == 0)
      << "the child did not exit cleanly (" << Describe(run)
      << "). Signal 6 is std::terminate: was a joinable std::thread destroyed?";
  EXPECT_TRUE(TookAtLeast(run.elapsed, Units(1)));
  EXPECT_TRUE(TookLessThan(run.elapsed, Units(10)))
      << "the child's main work took 1 unit, but the child lived on while its daemon waited "
         "out its 40-unit interval: the daemon must stop in the middle of its wait";
  EXPECT_EQ(std::count(run.lines.begin(), run.lines.end(), kTickLine), 1)
      << "with a 40-unit interval the daemon ticks once in the child's 1 unit of work: "
      << Describe(run);
  EXPECT_NE(std::find(run.lines.begin(), run.lines.end(), kMainExitsLine), run.lines.end())
      << Describe(run);
}

TEST(ChildProcess, StaysAliveUntilItsNonDaemonWorkerIsDone) {
  const ChildRun run = RunChild("WithANonDaemonWorker", Units(30));
  ASSERT_TRUE(run.exited) << "the child did not exit 30 units after it started, though its "
                             "worker's work takes 4 units";
  EXPECT_TRUE(run.exit_code == 0 && run.signal == 0)
      << "the child did not exit cleanly (" << Describe(run)
      << "). Signal 6 is std::terminate: was a joinable std::thread destroyed?";
  EXPECT_TRUE(TookAtLeast(run.elapsed, Units(4)))
      << "the child exited before its non-daemon worker had finished its 4 units of work: "
         "start_non_daemon must return the worker's std::jthread, which joins it. A detached "
         "thread is killed when main() returns, like a Python daemon";
  const auto main_done = std::find(run.lines.begin(), run.lines.end(), kMainDoneLine);
  const auto worker_done = std::find(run.lines.begin(), run.lines.end(), kWorkerDoneLine);
  EXPECT_TRUE(main_done < worker_done && worker_done != run.lines.end())
      << "the worker must finish its work after main()'s own work, and before the child exits: "
      << Describe(run);
}

}  // namespace
}  // namespace threadkata
