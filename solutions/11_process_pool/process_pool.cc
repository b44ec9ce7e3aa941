#include "katas/11_process_pool/process_pool.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace threadkata {

namespace {

// A frame is a std::uint64_t length, then that many bytes. Workers are forks of this program
// on this machine, so the length goes in native byte order.

bool send_all(int fd, const void* data, std::size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    // MSG_NOSIGNAL: writing to a dead worker must fail with EPIPE, not raise SIGPIPE, whose
    // default action would kill this whole program.
    const ssize_t sent = ::send(fd, bytes, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes += sent;
    size -= static_cast<std::size_t>(sent);
  }
  return true;
}

// False if the other end closed (its process ended) before `size` bytes arrived.
bool receive_all(int fd, void* data, std::size_t size) {
  char* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t got = ::recv(fd, bytes, size, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    bytes += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

bool send_frame(int fd, std::string_view text) {
  const std::uint64_t size = text.size();
  return send_all(fd, &size, sizeof size) && send_all(fd, text.data(), text.size());
}

bool receive_frame(int fd, std::string& text) {
  std::uint64_t size = 0;
  if (!receive_all(fd, &size, sizeof size)) return false;
  text.resize(size);
  return receive_all(fd, text.data(), text.size());
}

// A reply is one of these bytes, then a frame with the result or the error message.
enum class Outcome : char { kValue = 'v', kError = 'e' };

// The life of a worker process. It is a fork of a multithreaded program, in which only the
// thread that called fork() goes on: it starts no thread and only reads, runs, writes. It ends
// when the pool closes its end of the socket.
[[noreturn]] void serve(int fd, const TaskRegistry& tasks) {
  std::string task;
  std::string argument;
  while (receive_frame(fd, task) && receive_frame(fd, argument)) {
    Outcome outcome = Outcome::kValue;
    std::string reply;
    try {
      reply = tasks.find(task)(argument);
    } catch (const std::exception& error) {
      outcome = Outcome::kError;
      reply = error.what();
    } catch (...) {
      outcome = Outcome::kError;
      reply = "task '" + task + "' threw something that is not a std::exception";
    }
    if (!send_all(fd, &outcome, 1) || !send_frame(fd, reply)) break;
  }
  // _exit, not exit: the atexit handlers and the stdio buffers belong to the parent.
  ::_exit(0);
}

std::string describe_death(pid_t pid, int status, std::string_view task) {
  std::string text = "worker process " + std::to_string(pid);
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    const char* name = ::sigabbrev_np(signal);
    text += " died (signal " + std::to_string(signal) + ", SIG" + (name ? name : "?") + ")";
  } else {
    text += " exited (status " + std::to_string(WEXITSTATUS(status)) + ")";
  }
  return text + " while running task '" + std::string(task) + "'";
}

struct Worker {
  pid_t pid;
  int fd;  // This process's end of the socket the worker serves.
};

struct Job {
  std::string task;
  std::string argument;
  std::promise<std::string> result;
};

// The parent's end of the socket of every worker of every pool in this process. A forked worker
// holds a copy of every descriptor the process had: if it kept another worker's end open, of
// its own pool or of another one, that worker would not read end of file when its pool closes
// the socket, and whoever waits for it would wait forever. Every fork happens under `mutex`,
// with every socket end the process holds listed in `fds` (the child's end is closed right
// after the fork), and each new worker closes all of them first. Made once and never
// destroyed: it must outlive every pool, and no code of ours runs at exit.
struct ParentEnds {
  std::mutex mutex;
  std::vector<int> fds;  // Guarded by mutex.
};

ParentEnds& parent_ends() {
  static ParentEnds* const ends = new ParentEnds;
  return *ends;
}

}  // namespace

// One driver thread per worker slot: it takes a job from the queue, hands it to its worker
// process and waits for the reply. The threads give the limit and the queue of lesson 09; the
// processes do the work.
struct ProcessPool::Impl {
  explicit Impl(TaskRegistry registry) : tasks(std::move(registry)) {}

  void drive();
  std::optional<Job> next_job();
  std::string run(std::optional<Worker>& worker, const Job& job);
  Worker spawn();
  int retire(const Worker& worker);

  const TaskRegistry tasks;

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job> queue;  // Guarded by mutex.
  bool stopping = false;  // Guarded by mutex.

  std::mutex join_mutex;  // Held by shutdown() while it joins the drivers.
  std::vector<std::thread> drivers;
};

void ProcessPool::Impl::drive() {
  std::optional<Worker> worker;
  while (std::optional<Job> job = next_job()) {
    try {
      if (!worker) worker = spawn();
      job->result.set_value(run(worker, *job));
    } catch (...) {
      job->result.set_exception(std::current_exception());
    }
  }
  if (worker) retire(*worker);
}

std::optional<Job> ProcessPool::Impl::next_job() {
  std::unique_lock lock(mutex);
  wake.wait(lock, [&] { return stopping || !queue.empty(); });
  if (queue.empty()) return std::nullopt;
  Job job = std::move(queue.front());
  queue.pop_front();
  return job;
}

std::string ProcessPool::Impl::run(std::optional<Worker>& worker, const Job& job) {
  Outcome outcome{};
  std::string reply;
  if (send_frame(worker->fd, job.task) && send_frame(worker->fd, job.argument) &&
      receive_all(worker->fd, &outcome, 1) && receive_frame(worker->fd, reply)) {
    if (outcome == Outcome::kError) throw std::runtime_error(reply);
    return reply;
  }
  // The socket closed mid-request: the worker's end closes only when its process ends.
  const Worker dead = *worker;
  worker.reset();
  throw std::runtime_error(describe_death(dead.pid, retire(dead), job.task));
}

Worker ProcessPool::Impl::spawn() {
  ParentEnds& open = parent_ends();
  std::lock_guard lock(open.mutex);
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    throw std::system_error(errno, std::generic_category(), "socketpair");
  }
  // Output still in a stdio buffer would otherwise be written twice: by us and by the child.
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const std::system_error error(errno, std::generic_category(), "fork");
    ::close(ends[0]);
    ::close(ends[1]);
    throw error;
  }
  if (pid == 0) {
    ::close(ends[0]);
    for (const int fd : open.fds) ::close(fd);
    serve(ends[1], tasks);
  }
  ::close(ends[1]);
  open.fds.push_back(ends[0]);
  return {pid, ends[0]};
}

int ProcessPool::Impl::retire(const Worker& worker) {
  {
    ParentEnds& open = parent_ends();
    std::lock_guard lock(open.mutex);
    std::erase(open.fds, worker.fd);
    // A live worker reads end of file and exits.
    ::close(worker.fd);
  }
  int status = 0;
  while (::waitpid(worker.pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

ProcessPool::ProcessPool(std::size_t max_workers, TaskRegistry tasks)
    : impl_(std::make_unique<Impl>(std::move(tasks))) {
  if (max_workers == 0) throw std::invalid_argument("ProcessPool: max_workers must be at least 1");
  impl_->drivers.reserve(max_workers);
  for (std::size_t i = 0; i < max_workers; ++i) {
    impl_->drivers.emplace_back([impl = impl_.get()] { impl->drive(); });
  }
}

ProcessPool::~ProcessPool() { shutdown(); }

std::future<std::string> ProcessPool::submit(std::string_view task, std::string argument) {
  if (impl_->tasks.find(task) == nullptr) {
    throw std::invalid_argument("ProcessPool::submit: no task named '" + std::string(task) +
                                "' is registered");
  }
  Job job{std::string(task), std::move(argument), {}};
  std::future<std::string> result = job.result.get_future();
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) {
      throw std::runtime_error("ProcessPool::submit: cannot schedule new tasks after shutdown");
    }
    impl_->queue.push_back(std::move(job));
  }
  impl_->wake.notify_one();
  return result;
}

std::vector<std::string> ProcessPool::map(std::string_view task,
                                          const std::vector<std::string>& arguments) {
  std::vector<std::future<std::string>> pending;
  pending.reserve(arguments.size());
  for (const std::string& argument : arguments) pending.push_back(submit(task, argument));
  std::vector<std::string> results;
  results.reserve(pending.size());
  for (std::future<std::string>& result : pending) results.push_back(result.get());
  return results;
}

void ProcessPool::shutdown() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  std::lock_guard lock(impl_->join_mutex);
  for (std::thread& driver : impl_->drivers) {
    if (driver.joinable()) driver.join();
  }
}

}  // namespace threadkata
